namespace KubeHa.Packaging.Tests.Support;

/// <summary>
/// An empty root with its own rpm database at RHEL's path (/var/lib/rpm). rpm always runs
/// scriptlets chrooted into --root, so the root gets a shell (the host's dash and the two
/// libraries it needs) and /dev/null, and the scriptlets really run; systemctl is absent there, which the
/// %systemd_* scriptlets tolerate (<c>|| :</c>), so enabling the unit is not exercised.
/// Dependencies are not installed (<c>--nodeps</c>): a Debian host cannot resolve RHEL's.
/// </summary>
internal sealed class RpmRoot : IDisposable
{
    public RpmRoot()
    {
        Root = Directory.CreateTempSubdirectory("kubeha-rpmroot-").FullName;
        foreach (var file in new[] { "/bin/dash", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2" })
        {
            var target = Path(file);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        File.CreateSymbolicLink(Path("bin/sh"), "dash");
        Directory.CreateDirectory(Path("dev"));
        Cmd.Ok("mknod", "-m", "0666", Path("dev/null"), "c", "1", "3");
        Rpm("--initdb");
    }

    public string Root { get; }

    public string Path(string relative) => System.IO.Path.Combine(Root, relative.TrimStart('/'));

    /// <summary>rpm on this root (Debian's rpm wants --force-debian to install anything).</summary>
    public Cmd.Result Rpm(params string[] args) =>
        Cmd.Ok("rpm", ["--root", Root, "--dbpath", "/var/lib/rpm", .. args], null, TimeSpan.FromMinutes(3));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
