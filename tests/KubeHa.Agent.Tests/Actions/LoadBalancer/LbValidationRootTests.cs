using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using HaproxyAgentAction = KubeHa.Agent.Actions.LoadBalancer.HaproxyConfigAction;
using KeepalivedAgentAction = KubeHa.Agent.Actions.LoadBalancer.KeepalivedConfigAction;
using NginxAgentAction = KubeHa.Agent.Actions.LoadBalancer.NginxConfigAction;

namespace KubeHa.Agent.Tests.Actions.LoadBalancer;

/// <summary>The real nginx, haproxy and keepalived (Debian 12) validate what the actions render.</summary>
[Trait(Categories.Name, Categories.Root)]
public sealed class LbValidationRootTests : IDisposable
{
    private const string LiveConfig = "# the live config\n";
    private readonly StepHarness _harness = new(new NginxAgentAction(), new HaproxyAgentAction(), new KeepalivedAgentAction());

    public void Dispose() => _harness.Dispose();

    private string Live(string name)
    {
        var path = _harness.PathInRoot(name);
        File.WriteAllText(path, LiveConfig);
        return path;
    }

    [Fact]
    public async Task ApplyNginx_RealNginxAcceptsLocalMode_Written()
    {
        var path = Live("nginx.conf");
        var spec = LbSpecs.LocalNginx(path);
        spec.ErrorLog = _harness.PathInRoot("error.log");
        spec.PidPath = _harness.PathInRoot("nginx.pid");

        var result = await _harness.ApplyAsync(new StepSpec { NginxConfig = spec });

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Contains("stream {", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyNginx_RealNginxRejects_FailsWithMessageAndLiveStays()
    {
        var path = Live("nginx.conf");
        var spec = LbSpecs.DedicatedNginx(path);
        spec.ErrorLog = _harness.PathInRoot("no-such-dir", "error.log");

        var result = await _harness.ApplyAsync(new StepSpec { NginxConfig = spec });

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("no-such-dir/error.log", result.Reason, StringComparison.Ordinal);
        Assert.Equal(LiveConfig, File.ReadAllText(path));
    }

    [Fact]
    public async Task ApplyHaproxy_RealHaproxyAccepts_Written()
    {
        var path = Live("haproxy.cfg");

        var result = await _harness.ApplyAsync(new StepSpec { HaproxyConfig = LbSpecs.Haproxy(path) });

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Contains("check-ssl verify none", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyHaproxy_RealHaproxyRejectsUnresolvableBackend_LiveStays()
    {
        var path = Live("haproxy.cfg");
        var spec = LbSpecs.Haproxy(path);
        spec.Backends.Add(new LbBackend { Name = "ghost", Address = "no-such-master.invalid" });

        var result = await _harness.ApplyAsync(new StepSpec { HaproxyConfig = spec });

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("no-such-master.invalid", result.Reason, StringComparison.Ordinal);
        Assert.Equal(LiveConfig, File.ReadAllText(path));
    }

    [Fact]
    public async Task ApplyKeepalived_RealKeepalivedAccepts_Written()
    {
        var path = Live("keepalived.conf");

        var result = await _harness.ApplyAsync(new StepSpec { KeepalivedConfig = LbSpecs.KeepalivedMaster(path, "eth0") });

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Contains("vrrp_instance VI_kube_apiserver", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckKeepalived_RealKeepalivedRejectsUnknownInterface_ReportedAndLiveStays()
    {
        var path = Live("keepalived.conf");

        var result = await _harness.CheckAsync(new StepSpec { KeepalivedConfig = LbSpecs.KeepalivedMaster(path, "nosuch0") });

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("nosuch0", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-x", result.Reason, StringComparison.Ordinal);
        Assert.Equal(LiveConfig, File.ReadAllText(path));
    }
}
