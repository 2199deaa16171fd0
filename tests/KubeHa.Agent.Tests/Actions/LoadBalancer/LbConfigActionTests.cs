using KubeHa.Agent.Actions.LoadBalancer;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using HaproxyAgentAction = KubeHa.Agent.Actions.LoadBalancer.HaproxyConfigAction;
using KeepalivedAgentAction = KubeHa.Agent.Actions.LoadBalancer.KeepalivedConfigAction;
using NginxAgentAction = KubeHa.Agent.Actions.LoadBalancer.NginxConfigAction;

namespace KubeHa.Agent.Tests.Actions.LoadBalancer;

/// <summary>
/// The load balancer actions through the executor, with /bin/true or /bin/false standing in
/// for the validating program (the real programs run in <see cref="LbValidationRootTests"/>).
/// </summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class LbConfigActionTests : IDisposable
{
    private readonly TempDir _modules = new("kubeha-nginx-modules");
    private readonly StepHarness _accepting;
    private readonly StepHarness _rejecting;

    public LbConfigActionTests()
    {
        _accepting = Harness("/bin/true");
        _rejecting = Harness("/bin/false");
    }

    private StepHarness Harness(string program) => new(
        new NginxAgentAction(new ConfigValidator(program, f => [f]), _modules.Combine("modules-enabled"), _modules.Combine("ngx_stream_module.so")),
        new HaproxyAgentAction(new ConfigValidator(program, f => [f])),
        new KeepalivedAgentAction(new ConfigValidator(program, f => [f])));

    public void Dispose()
    {
        _accepting.Dispose();
        _rejecting.Dispose();
        _modules.Dispose();
    }

    [Fact]
    public async Task ApplyNginx_Accepted_WritesRenderedConfigAndSecondApplyIsNoChange()
    {
        var path = _accepting.PathInRoot("nginx.conf");
        var spec = new StepSpec { NginxConfig = LbSpecs.LocalNginx(path) };

        var first = await _accepting.ApplyAsync(spec);
        var second = await _accepting.ApplyAsync(spec);

        Assert.True(first.Outcome == StepOutcome.Succeeded, first.Reason);
        Assert.Equal(NginxConfigRenderer.Render(spec.NginxConfig, new NginxModules(null, null)), File.ReadAllText(path));
        Assert.Equal("ok", first.Outputs["validation"]);
        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Equal("skipped: unchanged", second.Outputs["validation"]);
    }

    [Fact]
    public async Task ApplyHaproxy_Rejected_FailsAndLiveConfigStays()
    {
        var path = _rejecting.PathInRoot("haproxy.cfg");
        File.WriteAllText(path, "# the live config\n");

        var result = await _rejecting.ApplyAsync(new StepSpec { HaproxyConfig = LbSpecs.Haproxy(path) });

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("/bin/false rejected the new " + path, result.Reason, StringComparison.Ordinal);
        Assert.Equal("# the live config\n", File.ReadAllText(path));
        Assert.Empty(result.Changes);
    }

    [Fact]
    public async Task CheckHaproxy_DryRun_ValidatesReturnsDiffAndWritesNothing()
    {
        var path = _accepting.PathInRoot("haproxy.cfg");
        File.WriteAllText(path, "# the live config\n");

        var result = await _accepting.CheckAsync(new StepSpec { HaproxyConfig = LbSpecs.Haproxy(path) });

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal("ok", result.Outputs["validation"]);
        Assert.Contains("+    option httpchk GET /readyz", Assert.Single(result.Changes).UnifiedDiff, StringComparison.Ordinal);
        Assert.Equal("# the live config\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task CheckHaproxy_DryRunRejected_ReportsFailure()
    {
        var path = _rejecting.PathInRoot("haproxy.cfg");

        var result = await _rejecting.CheckAsync(new StepSpec { HaproxyConfig = LbSpecs.Haproxy(path) });

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task ApplyKeepalived_AuthPass_MaskedInDiffAndFileIsPrivate()
    {
        var path = _accepting.PathInRoot("keepalived.conf");
        File.WriteAllText(path, "global_defs {\n}\n");
        var spec = new StepSpec { KeepalivedConfig = LbSpecs.KeepalivedMaster(path) };

        var result = await _accepting.ApplyAsync(spec);

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        var diff = Assert.Single(result.Changes).UnifiedDiff;
        Assert.Contains("+        auth_pass <redacted>", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-x", diff, StringComparison.Ordinal);
        Assert.Contains("auth_pass s3cr3t-x", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task RollbackKeepalived_AfterApply_RestoresPreviousFileAndMasksPassword()
    {
        var path = _accepting.PathInRoot("keepalived.conf");
        File.WriteAllText(path, "global_defs {\n}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var applied = await _accepting.ApplyAsync(new StepSpec { KeepalivedConfig = LbSpecs.KeepalivedMaster(path) });

        var rollback = await _accepting.RollbackAsync(applied.StepId);

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Contains("-        auth_pass <redacted>", Assert.Single(rollback.Changes).UnifiedDiff, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-x", rollback.Changes[0].UnifiedDiff, StringComparison.Ordinal);
        Assert.Equal("global_defs {\n}\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
    }

    public static TheoryData<string> BadKeepalived => new()
    {
        "process",
        "nopreempt",
        "vrid",
        "vip",
        "password",
    };

    [Theory]
    [MemberData(nameof(BadKeepalived))]
    public async Task ApplyKeepalived_InvalidSpec_RefusedWithoutEchoingPassword(string defect)
    {
        var path = _accepting.PathInRoot("keepalived.conf");
        var spec = LbSpecs.KeepalivedMaster(path);
        switch (defect)
        {
            case "process":
                spec.Checks[0].ProcessName = "haproxy; rm -rf /";
                break;
            case "nopreempt":
                spec.Nopreempt = true;
                break;
            case "vrid":
                spec.VirtualRouterId = 256;
                break;
            case "vip":
                spec.VirtualIpAddresses[0] = "10.10.10.100/33";
                break;
            default:
                spec.AuthPass = "longer-than-8 \"x";
                break;
        }

        var result = await _accepting.ApplyAsync(new StepSpec { KeepalivedConfig = spec });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.DoesNotContain(spec.AuthPass, result.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task ApplyNginx_InvalidSpec_RefusedWithEveryError()
    {
        var path = _accepting.PathInRoot("nginx.conf");
        var spec = LbSpecs.LocalNginx(path);
        spec.Backends.Add(new LbBackend { Address = "bad host;" });
        spec.ErrorLog = "/tmp/x; load_module /evil.so";
        spec.HealthzPort = 8443;

        var result = await _accepting.ApplyAsync(new StepSpec { NginxConfig = spec });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("bad host;", result.Reason, StringComparison.Ordinal);
        Assert.Contains("error_log", result.Reason, StringComparison.Ordinal);
        Assert.Contains("healthz_port", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyNginx_OutsideAllowedRoots_Refused()
    {
        Directory.CreateDirectory(_accepting.Outside);
        var path = Path.Combine(_accepting.Outside, "nginx.conf");

        var result = await _accepting.ApplyAsync(new StepSpec { NginxConfig = LbSpecs.LocalNginx(path) });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.False(File.Exists(path));
    }
}
