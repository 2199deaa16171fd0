using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using SysctlAgentAction = KubeHa.Agent.Actions.Sysctl.SysctlAction;

namespace KubeHa.Agent.Tests.Actions.Sysctl;

[Trait(Categories.Name, Categories.Unit)]
public sealed class SysctlActionTests : IDisposable
{
    private readonly TempDir _proc = new("kubeha-procsys");
    private readonly StepHarness _harness;

    public SysctlActionTests()
    {
        _harness = new StepHarness(h => [new SysctlAgentAction(h.Options, _proc.Path, h.PathInRoot("sysctl.d"))]);
        Directory.CreateDirectory(_harness.PathInRoot("sysctl.d"));
        SetProc("net.ipv4.ip_forward", "0\n");
        SetProc("net.ipv4.ip_nonlocal_bind", "0\n");
        SetProc("net.bridge.bridge-nf-call-iptables".Replace('-', '_'), "0\n");
    }

    public void Dispose()
    {
        _harness.Dispose();
        _proc.Dispose();
    }

    private string ProcFile(string key) => Path.Combine(_proc.Path, key.Replace('.', '/'));

    private void SetProc(string key, string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ProcFile(key))!);
        File.WriteAllText(ProcFile(key), value);
    }

    private string Conf => _harness.PathInRoot("sysctl.d", "90-kubeha.conf");

    private static StepSpec Spec(params (string Key, string Value)[] settings)
    {
        var action = new SysctlAction();
        action.Settings.AddRange(settings.Select(s => new SysctlSetting { Key = s.Key, Value = s.Value }));
        return new StepSpec { Sysctl = action };
    }

    [Fact]
    public async Task Apply_NewValues_PersistsAndWritesProcSys()
    {
        var result = await _harness.ApplyAsync(Spec(("net.ipv4.ip_nonlocal_bind", "1"), ("net.ipv4.ip_forward", "1")));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal("1\n", File.ReadAllText(ProcFile("net.ipv4.ip_nonlocal_bind")));
        Assert.Equal("1\n", File.ReadAllText(ProcFile("net.ipv4.ip_forward")));
        Assert.Equal("# Kernel parameters set by kubeha (API server endpoint, VIP).\nnet.ipv4.ip_nonlocal_bind = 1\nnet.ipv4.ip_forward = 1\n", File.ReadAllText(Conf));
        Assert.Equal("0", result.Outputs["previous:net.ipv4.ip_forward"]);
        Assert.Contains("set net.ipv4.ip_forward from '0' to '1'", result.Effects);
    }

    [Fact]
    public async Task Apply_Twice_SecondReportsNoChange()
    {
        await _harness.ApplyAsync(Spec(("net.ipv4.ip_forward", "1")));

        var second = await _harness.ApplyAsync(Spec(("net.ipv4.ip_forward", "1")));

        Assert.Equal(StepOutcome.Succeeded, second.Outcome);
        Assert.False(second.Changed);
    }

    [Fact]
    public async Task Apply_ExistingFile_ReplacesOwnKeysAndKeepsOtherLines()
    {
        File.WriteAllText(Conf, "# mine\nvm.swappiness=10\nnet.ipv4.ip_forward=0\n");

        await _harness.ApplyAsync(Spec(("net.ipv4.ip_forward", "1"), ("net.ipv4.ip_nonlocal_bind", "1")));

        Assert.Equal("# mine\nvm.swappiness=10\nnet.ipv4.ip_forward = 1\nnet.ipv4.ip_nonlocal_bind = 1\n", File.ReadAllText(Conf));
    }

    [Fact]
    public async Task Check_DryRun_ReportsAndWritesNothing()
    {
        var result = await _harness.CheckAsync(Spec(("net.ipv4.ip_forward", "1")));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal("0\n", File.ReadAllText(ProcFile("net.ipv4.ip_forward")));
        Assert.False(File.Exists(Conf));
        Assert.Contains("would set net.ipv4.ip_forward from '0' to '1'", result.Effects);
        Assert.Contains("+net.ipv4.ip_forward = 1", Assert.Single(result.Changes).UnifiedDiff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_AfterApply_RestoresRuntimeValuesAndFile()
    {
        SetProc("net.ipv4.ip_forward", "1\n");
        var applied = await _harness.ApplyAsync(Spec(("net.ipv4.ip_forward", "1"), ("net.ipv4.ip_nonlocal_bind", "1")));
        Assert.Equal("1\n", File.ReadAllText(ProcFile("net.ipv4.ip_nonlocal_bind")));

        var rollback = await _harness.RollbackAsync(applied.StepId);

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal("0\n", File.ReadAllText(ProcFile("net.ipv4.ip_nonlocal_bind")));
        Assert.Equal("1\n", File.ReadAllText(ProcFile("net.ipv4.ip_forward")));
        Assert.Contains("restored net.ipv4.ip_nonlocal_bind to '0'", rollback.Effects);
        Assert.False(File.Exists(Conf));
    }

    [Theory]
    [InlineData("kernel.panic", "1", "not allowed")]
    [InlineData("net/ipv4/ip_forward", "1", "not a sysctl name")]
    [InlineData("net.ipv4.ip_forward", "1\nkernel.panic=1", "value")]
    public async Task Apply_InvalidSetting_Refused(string key, string value, string reason)
    {
        var result = await _harness.ApplyAsync(Spec((key, value)));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
        Assert.Equal("0\n", File.ReadAllText(ProcFile("net.ipv4.ip_forward")));
        Assert.False(File.Exists(Conf));
    }

    [Fact]
    public async Task Apply_KeyMissingInProcSys_FailsAndWritesNothing()
    {
        var result = await _harness.ApplyAsync(Spec(("net.ipv4.ip_forward", "1"), ("net.bridge.bridge_nf_call_ip6tables", "1")));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("net.bridge.bridge_nf_call_ip6tables", result.Reason, StringComparison.Ordinal);
        Assert.Equal("0\n", File.ReadAllText(ProcFile("net.ipv4.ip_forward")));
        Assert.False(File.Exists(Conf));
    }
}
