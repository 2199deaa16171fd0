using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class DebLifecycleTests(PackagesFixture packages) : IDisposable
{
    private const string Conffile = "etc/kubeha/agent.yaml";
    private const string WantsLink = "etc/systemd/system/multi-user.target.wants/kubeha-agent.service";
    private readonly DebRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void AgentDeb_InstallUpgradeRemovePurge_KeepsLocalConfigAndStateUntilPurge()
    {
        _root.Install(packages.AgentDeb);

        Assert.Equal($"install ok installed {packages.Version}", _root.Status("kubeha-agent"));
        Assert.Equal("../lib/kubeha/agent/kubeha-agent", new FileInfo(_root.Path("usr/bin/kubeha-agent")).LinkTarget);
        Assert.True(File.Exists(_root.Path("lib/systemd/system/kubeha-agent.service")));
        Assert.Equal("/lib/systemd/system/kubeha-agent.service", new FileInfo(_root.Path(WantsLink)).LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_root.Path("var/lib/kubeha")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_root.Path("etc/kubeha/pki")));
        Assert.Equal($"kubeha-agent {packages.Version} (kubeha.agent.v1)", AgentVersion());

        // An operator's edit, certificates and the agent's state.
        var edited = File.ReadAllText(_root.Path(Conffile)).Replace("roles: []", "roles: [master]", StringComparison.Ordinal);
        Assert.Contains("roles: [master]", edited, StringComparison.Ordinal);
        File.WriteAllText(_root.Path(Conffile), edited);
        File.WriteAllText(_root.Path("etc/kubeha/pki/agent.key"), "key");
        Directory.CreateDirectory(_root.Path("var/lib/kubeha/steps"));
        File.WriteAllText(_root.Path("var/lib/kubeha/steps/run-1.json"), "{}");

        _root.Install(packages.AgentDebNext);

        Assert.Equal($"install ok installed {packages.NextVersion}", _root.Status("kubeha-agent"));
        Assert.Equal($"kubeha-agent {packages.NextVersion} (kubeha.agent.v1)", AgentVersion());
        Assert.Equal(edited, File.ReadAllText(_root.Path(Conffile)));
        Assert.Empty(Directory.GetFiles(_root.Path("etc/kubeha"), "agent.yaml.dpkg-*"));
        Assert.NotNull(new FileInfo(_root.Path(WantsLink)).LinkTarget);

        _root.Dpkg("--remove", "kubeha-agent");

        Assert.Equal($"deinstall ok config-files {packages.NextVersion}", _root.Status("kubeha-agent"));
        Assert.False(File.Exists(_root.Path("usr/lib/kubeha/agent/kubeha-agent")));
        Assert.False(File.Exists(_root.Path("usr/bin/kubeha-agent")));
        // As debhelper does: removal masks the unit and keeps its enablement for a reinstall.
        Assert.Equal("/dev/null", new FileInfo(_root.Path("etc/systemd/system/kubeha-agent.service")).LinkTarget);
        Assert.NotNull(new FileInfo(_root.Path(WantsLink)).LinkTarget);
        Assert.Equal(edited, File.ReadAllText(_root.Path(Conffile)));
        Assert.True(File.Exists(_root.Path("etc/kubeha/pki/agent.key")));
        Assert.True(File.Exists(_root.Path("var/lib/kubeha/steps/run-1.json")));

        _root.Dpkg("--purge", "kubeha-agent");

        Assert.Equal(string.Empty, _root.Status("kubeha-agent").Replace("unknown ok not-installed", string.Empty, StringComparison.Ordinal).Trim());
        Assert.False(Directory.Exists(_root.Path("etc/kubeha")));
        Assert.False(Directory.Exists(_root.Path("var/lib/kubeha")));
        Assert.False(Directory.Exists(_root.Path("usr/lib/kubeha")));
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path("etc/systemd/system"), "*kubeha*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path("var/lib/systemd"), "*kubeha*", SearchOption.AllDirectories));
    }

    [Fact]
    public void CliDeb_InstallAndPurge_RunsInstalledAndPurgesOnlyTheCoordinatorsState()
    {
        _root.Install(packages.AgentDeb);
        _root.Install(packages.CliDeb);

        var version = Cmd.Ok(_root.Path("usr/bin/kubeha"), "version");
        Assert.Equal($"kubeha {packages.Version}", version.StdOut.Trim());
        var option = Cmd.Ok(_root.Path("usr/bin/kubeha"), "--version");
        Assert.StartsWith(packages.Version, option.StdOut.Trim(), StringComparison.Ordinal);
        Assert.True(File.Exists(_root.Path("etc/systemd/system/multi-user.target.wants/kubeha.service")));

        // Both programs keep state in /var/lib/kubeha: the coordinator's CA and journal, the agent's steps.
        Directory.CreateDirectory(_root.Path("var/lib/kubeha/pki"));
        File.WriteAllText(_root.Path("var/lib/kubeha/pki/ca.key"), "key");
        File.WriteAllText(_root.Path("var/lib/kubeha/journal.db"), "db");
        Directory.CreateDirectory(_root.Path("var/lib/kubeha/steps"));
        File.WriteAllText(_root.Path("var/lib/kubeha/steps/run-1.json"), "{}");

        _root.Dpkg("--purge", "kubeha");

        Assert.False(Directory.Exists(_root.Path("var/lib/kubeha/pki")));
        Assert.False(File.Exists(_root.Path("var/lib/kubeha/journal.db")));
        Assert.True(File.Exists(_root.Path("var/lib/kubeha/steps/run-1.json")));
        Assert.False(File.Exists(_root.Path("usr/bin/kubeha")));
        Assert.True(File.Exists(_root.Path("usr/lib/kubeha/agent/kubeha-agent")));
        Assert.StartsWith("install ok installed", _root.Status("kubeha-agent"), StringComparison.Ordinal);
    }

    private string AgentVersion() => Cmd.Ok(_root.Path("usr/bin/kubeha-agent"), "--version").StdOut.Trim();
}
