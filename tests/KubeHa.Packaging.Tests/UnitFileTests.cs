using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

/// <summary>
/// systemd-analyze verify runs offline here (systemd is not PID 1 on this machine): with
/// --root it loads the units from the scratch root where the packages are installed, checks
/// every directive and that ExecStart's program exists and is executable there. It needs
/// systemd's own units (sysinit.target, ...) in that root, copied from the host.
/// </summary>
[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class UnitFileTests(PackagesFixture packages) : IDisposable
{
    private readonly DebRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void InstalledUnits_SystemdAnalyzeVerify_NoErrorsOrWarnings()
    {
        _root.Install(packages.AgentDeb);
        _root.Install(packages.CliDeb);
        CopyDirectory("/usr/lib/systemd/system", _root.Path("usr/lib/systemd/system"));

        var result = Cmd.Run("systemd-analyze", "verify", "--root", _root.Root, "kubeha-agent.service", "kubeha.service");

        Assert.True(result.ExitCode == 0 && result.StdErr.Trim().Length == 0 && result.StdOut.Trim().Length == 0, result.ToString());
    }

    [Fact]
    public void Verify_BrokenUnit_IsReported()
    {
        _root.Install(packages.AgentDeb);
        CopyDirectory("/usr/lib/systemd/system", _root.Path("usr/lib/systemd/system"));
        var unit = _root.Path("lib/systemd/system/kubeha-agent.service");
        File.WriteAllText(unit, File.ReadAllText(unit).Replace("ProtectSystem=strict", "ProtectSystem=stricter", StringComparison.Ordinal));
        File.Delete(_root.Path("usr/lib/kubeha/agent/kubeha-agent"));

        var result = Cmd.Run("systemd-analyze", "verify", "--root", _root.Root, "kubeha-agent.service");

        // systemd 252 says "Failed to parse protect system value ... stricter" at the unit's line.
        Assert.Contains("stricter", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("kubeha-agent.service:", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("/usr/bin/kubeha-agent is not executable", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void AgentUnit_Settings_NotifyWatchdogHardening()
    {
        var unit = File.ReadAllLines(Path.Combine(RepoPaths.Root, "packaging", "systemd", "kubeha-agent.service"))
            .Where(l => !l.StartsWith('#')).ToList();

        Assert.Contains("Type=notify", unit);
        Assert.Contains("WatchdogSec=30s", unit);
        Assert.Contains("Restart=on-failure", unit);
        Assert.Contains("NoNewPrivileges=yes", unit);
        Assert.Contains("ProtectSystem=strict", unit);
        Assert.Contains("ReadWritePaths=/etc /var/lib/kubeha -/root/.kube", unit);
        Assert.Contains(unit, l => l.StartsWith("ReadOnlyPaths=-/etc/kubeha ", StringComparison.Ordinal));
        Assert.DoesNotContain(unit, l => l.StartsWith("ProtectKernelTunables", StringComparison.Ordinal));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        Cmd.Ok("cp", "-a", from + "/.", to);
    }
}
