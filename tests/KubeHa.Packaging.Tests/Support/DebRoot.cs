namespace KubeHa.Packaging.Tests.Support;

/// <summary>
/// An empty root directory with its own dpkg database. dpkg installs into it with
/// <c>--root</c> and <c>--force-script-chrootless</c>: the maintainer scripts run on the host
/// with DPKG_ROOT set (as debhelper's own snippets support), so deb-systemd-helper records
/// and enables the unit inside the root and nothing is started. Dependencies are not
/// installed into the root (<c>--force-depends</c>); RuntimeDependencyTests checks that
/// they resolve on this host.
/// </summary>
internal sealed class DebRoot : IDisposable
{
    public DebRoot()
    {
        Root = Directory.CreateTempSubdirectory("kubeha-debroot-").FullName;
        foreach (var dir in new[] { "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc", "tmp" })
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Root, dir));
        }

        File.WriteAllText(Path("var/lib/dpkg/status"), string.Empty);
        File.WriteAllText(Path("var/lib/dpkg/available"), string.Empty);
    }

    public string Root { get; }

    public string Path(string relative) => System.IO.Path.Combine(Root, relative.TrimStart('/'));

    /// <summary>dpkg into this root; fails the test unless it exits 0.</summary>
    public Cmd.Result Dpkg(params string[] args) =>
        Cmd.Ok("dpkg", ["--root", Root, "--force-script-chrootless", "--force-depends", "--force-unsafe-io", .. args], null, TimeSpan.FromMinutes(3));

    public void Install(string deb) => Dpkg("--install", deb);

    /// <summary>dpkg-query's "Status Version" of a package in this root, or "" when unknown.</summary>
    public string Status(string package)
    {
        var r = Cmd.Run("dpkg-query", "--admindir", Path("var/lib/dpkg"), "-W", "-f", "${Status} ${Version}", package);
        return r.ExitCode == 0 ? r.StdOut.Trim() : string.Empty;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
