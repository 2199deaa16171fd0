namespace KubeHa.Packaging.Tests.Support;

/// <summary>
/// The shared libraries the packages may link against from the system: glibc (libc6 /
/// glibc), libgcc_s (libgcc-s1 / libgcc) and libstdc++ (libstdc++6 / libstdc++), which the
/// .deb declares by hand and rpm's generator finds. Everything else must ship in the package.
/// </summary>
internal static class DeclaredLibraries
{
    public static readonly IReadOnlySet<string> Sonames = new HashSet<string>(StringComparer.Ordinal)
    {
        "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "ld-linux-x86-64.so.2",
        "libgcc_s.so.1", "libstdc++.so.6",
    };
}
