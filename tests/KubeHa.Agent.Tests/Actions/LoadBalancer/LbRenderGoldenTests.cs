using KubeHa.Agent.Actions.LoadBalancer;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Actions.LoadBalancer;

/// <summary>Rendered configs against reviewed golden files (testassets/golden; KUBEHA_UPDATE_GOLDEN=1 rewrites them).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class LbRenderGoldenTests
{
    [Fact]
    public void RenderNginx_LocalModeWithModulesEnabledInclude_MatchesGolden() =>
        TestAssets.AssertGolden(
            NginxConfigRenderer.Render(LbSpecs.LocalNginx("/etc/nginx/nginx.conf"), new NginxModules("/etc/nginx/modules-enabled/*.conf", null)),
            "nginx-local.conf");

    [Fact]
    public void RenderNginx_DedicatedModeWithLoadModule_MatchesGolden() =>
        TestAssets.AssertGolden(
            NginxConfigRenderer.Render(LbSpecs.DedicatedNginx("/etc/nginx/nginx.conf"), new NginxModules(null, "/usr/lib/nginx/modules/ngx_stream_module.so")),
            "nginx-dedicated.conf");

    [Fact]
    public void RenderHaproxy_TlsReadyzChecksAndStats_MatchesGolden() =>
        TestAssets.AssertGolden(HaproxyConfigRenderer.Render(LbSpecs.Haproxy("/etc/haproxy/haproxy.cfg")), "haproxy.cfg");

    [Fact]
    public void RenderHaproxy_TcpCheckDefaults_MatchesGolden()
    {
        var spec = new KubeHa.Protos.Agent.V1.HaproxyConfigAction { HealthCheck = HaproxyHealthCheck.Tcp, Backends = { new LbBackend { Address = "master-1.example" } } };
        TestAssets.AssertGolden(HaproxyConfigRenderer.Render(spec), "haproxy-tcp.cfg");
    }

    [Fact]
    public void RenderKeepalived_MasterWithChecks_MatchesGolden() =>
        TestAssets.AssertGolden(KeepalivedConfigRenderer.Render(LbSpecs.KeepalivedMaster("/etc/keepalived/keepalived.conf"), "node-1"), "keepalived-master.conf");

    [Fact]
    public void RenderKeepalived_BackupNopreemptNoAuth_MatchesGolden()
    {
        var spec = LbSpecs.KeepalivedMaster("/etc/keepalived/keepalived.conf");
        spec.State = VrrpState.Backup;
        spec.Priority = 110;
        spec.Nopreempt = true;
        spec.AuthPass = string.Empty;
        spec.RouterId = string.Empty;
        spec.Checks.RemoveAt(1);
        TestAssets.AssertGolden(KeepalivedConfigRenderer.Render(spec, "node-2"), "keepalived-backup.conf");
    }
}
