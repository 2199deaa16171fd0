using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

/// <summary>
/// The packages declare the runtime libraries by hand (libssl is loaded with dlopen, so no
/// tool can see it): these tests keep the declarations true as the runtime changes.
/// </summary>
[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class RuntimeDependencyTests(PackagesFixture packages) : IDisposable
{
    private readonly DebRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void InstalledElfFiles_NeededLibraries_AreAllDeclared()
    {
        _root.Install(packages.AgentDeb);
        _root.Install(packages.CliDeb);
        var elves = Directory.GetFiles(_root.Path("usr/lib/kubeha"), "*", SearchOption.AllDirectories).Where(IsElf).ToList();

        var needed = elves.SelectMany(f => Cmd.Ok("readelf", "--dynamic", "--wide", f).StdOut.Split('\n')
                .Where(l => l.Contains("(NEEDED)", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf('[', StringComparison.Ordinal) + 1)..l.IndexOf(']', StringComparison.Ordinal)])
                .Select(lib => (File: Path.GetFileName(f), Lib: lib)))
            .ToList();

        Assert.Contains(elves, f => f.EndsWith("/libcoreclr.so", StringComparison.Ordinal));
        Assert.Contains(needed, n => n.Lib == "libstdc++.so.6");
        // A library may need another one of the package's own, found beside it.
        Assert.Empty(needed.Where(n => !DeclaredLibraries.Sonames.Contains(n.Lib) && !elves.Any(e => Path.GetFileName(e) == n.Lib))
            .Select(n => $"{n.File} needs {n.Lib}"));
        // OpenSSL is loaded at run time, which is why libssl is declared by hand.
        Assert.Contains(elves, f => f.EndsWith("/libSystem.Security.Cryptography.Native.OpenSsl.so", StringComparison.Ordinal));
    }

    [Fact]
    public void Debs_Depends_ResolveOnThisHost()
    {
        // apt's simulation: no change to the host, fails when a dependency cannot be satisfied.
        var result = Cmd.Ok("apt-get", ["install", "--simulate", "--no-install-recommends", .. packages.Debs], null, TimeSpan.FromMinutes(2));

        Assert.Contains("Inst kubeha-agent", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Inst kubeha ", result.StdOut, StringComparison.Ordinal);
    }

    private static bool IsElf(string path)
    {
        if (new FileInfo(path).LinkTarget is not null)
        {
            return false;
        }

        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return stream.Read(magic) == 4 && magic.SequenceEqual((ReadOnlySpan<byte>)[0x7F, (byte)'E', (byte)'L', (byte)'F']);
    }
}
