using System.Globalization;
using k8s;
using k8s.Models;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Coordinator.LabTests.Cluster;

/// <summary>kube-public/cluster-info and kube-system/kube-proxy (with the DaemonSet rollout restart) on the lab.</summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class ConfigMapServerLabTests(ClusterLab lab)
{
    private const string LabServer = "https://10.77.3.11:6443";

    [LabFact]
    public async Task RunThenRollback_ClusterInfo_BootstrapSignerResignsAndDataReturnsExactly()
    {
        lab.RequireUp();
        var before = await ClusterInfoAsync();
        var jws = before.Data.Keys.Where(k => k.StartsWith("jws-kubeconfig-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(jws);
        var runId = Steps.NewRunId();
        var step = Steps.ClusterInfo();

        var run = await lab.Runner.RunAsync(runId, step, default);
        try
        {
            Assert.True(run.Succeeded, run.Reason);
            Assert.True(run.Changed);
            var edited = await ClusterInfoAsync();
            Assert.Equal(before.Data["kubeconfig"].Replace($"server: {LabServer}", $"server: {Steps.Server}", StringComparison.Ordinal), edited.Data["kubeconfig"]);
            // kube-controller-manager's bootstrap signer signs the new content with every token.
            await LabCli.EventuallyAsync("cluster-info re-signed", TimeSpan.FromSeconds(30), async () =>
            {
                var now = await ClusterInfoAsync();
                return (jws.All(k => now.Data.TryGetValue(k, out var v) && v != before.Data[k]), string.Join(",", now.Data.Keys));
            });
        }
        finally
        {
            var rollback = await lab.Runner.RollbackAsync(runId, step, default);
            Assert.True(rollback.Succeeded, rollback.Reason);
        }

        Assert.Equal(before.Data["kubeconfig"], (await ClusterInfoAsync()).Data["kubeconfig"]);
        // The same content signed with the same tokens: the signatures come back as they were.
        await LabCli.EventuallyAsync("cluster-info as before", TimeSpan.FromSeconds(30), async () =>
        {
            var now = await ClusterInfoAsync();
            return (now.Data.Count == before.Data.Count && now.Data.All(kv => before.Data[kv.Key] == kv.Value), "differs");
        });
    }

    [LabFact]
    public async Task RunThenRollback_KubeProxyWithRestart_ServerAndRestartAnnotationSetThenRestored()
    {
        lab.RequireUp();
        var before = await KubeProxyAsync();
        var daemonSet = await DaemonSetAsync();
        var runId = Steps.NewRunId();
        var step = Steps.KubeProxy(restart: true);

        var run = await lab.Runner.RunAsync(runId, step, default);
        try
        {
            Assert.True(run.Succeeded, run.Reason);
            Assert.Equal("changed ConfigMap kube-system/kube-proxy, DaemonSet kube-system/kube-proxy", run.Reason);
            var edited = await KubeProxyAsync();
            Assert.Equal(before.Data["kubeconfig.conf"].Replace($"server: {LabServer}", $"server: {Steps.Server}", StringComparison.Ordinal), edited.Data["kubeconfig.conf"]);
            Assert.Equal(before.Data["config.conf"], edited.Data["config.conf"]);
            var restarted = await DaemonSetAsync();
            var at = DateTimeOffset.Parse(restarted.Spec.Template.Metadata.Annotations["kubectl.kubernetes.io/restartedAt"], CultureInfo.InvariantCulture);
            Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.Equal(daemonSet.Metadata.Generation + 1, restarted.Metadata.Generation);
        }
        finally
        {
            var rollback = await lab.Runner.RollbackAsync(runId, step, default);
            Assert.True(rollback.Succeeded, rollback.Reason);
            Assert.Equal("restored DaemonSet kube-system/kube-proxy, ConfigMap kube-system/kube-proxy", rollback.Reason.Split(" (saved values", 2)[0]);
        }

        Assert.Equal(before.Data, (await KubeProxyAsync()).Data);
        var back = await DaemonSetAsync();
        Assert.Equal(daemonSet.Spec.Template.Metadata.Annotations ?? new Dictionary<string, string>(), back.Spec.Template.Metadata.Annotations ?? new Dictionary<string, string>());
    }

    [LabFact]
    public async Task Run_KubeProxyAlreadyAtServer_NothingWrittenAndNoRestart()
    {
        lab.RequireUp();
        var before = await KubeProxyAsync();
        var daemonSet = await DaemonSetAsync();
        var step = Steps.Cluster("clients.kube-proxy", new ClusterStep { KubeProxy = new KubeProxyServer { Server = LabServer, RestartDaemonset = true } });

        var run = await lab.Runner.RunAsync(Steps.NewRunId(), step, default);

        Assert.True(run.Succeeded, run.Reason);
        Assert.False(run.Changed);
        Assert.Equal(before.Metadata.ResourceVersion, (await KubeProxyAsync()).Metadata.ResourceVersion);
        Assert.Equal(daemonSet.Metadata.Generation, (await DaemonSetAsync()).Metadata.Generation);
    }

    [LabFact]
    public async Task EndpointCheck_BeforeAndAfterTheEdits_FailsListingEachPlaceThenPasses()
    {
        lab.RequireUp();
        var check = Steps.Cluster("post.endpoint", new ClusterStep { EndpointCheck = new EndpointCheck { Server = Steps.Server, ControlPlaneEndpoint = Steps.Endpoint, CertSans = { "10.77.3.100" } } });
        var runId = Steps.NewRunId();
        PlannedStep[] edits = [Steps.KubeadmConfig("10.77.3.100"), Steps.ClusterInfo(), Steps.KubeProxy(restart: false)];

        var first = await lab.Runner.RunAsync(runId, check, default);

        Assert.False(first.Succeeded);
        Assert.Contains($"ConfigMap kube-public/cluster-info kubeconfig: cluster '' server is {LabServer}, not {Steps.Server}", first.Reason, StringComparison.Ordinal);
        Assert.Contains($"ConfigMap kube-system/kube-proxy kubeconfig.conf: cluster 'default' server is {LabServer}, not {Steps.Server}", first.Reason, StringComparison.Ordinal);
        Assert.Contains("controlPlaneEndpoint is (not set), not k8s-api.lab:8443", first.Reason, StringComparison.Ordinal);
        Assert.Contains("apiServer.certSANs lacks 10.77.3.100", first.Reason, StringComparison.Ordinal);
        try
        {
            foreach (var edit in edits)
            {
                var r = await lab.Runner.RunAsync(runId, edit, default);
                Assert.True(r.Succeeded, r.Reason);
            }

            var second = await lab.Runner.RunAsync(runId, check, default);
            Assert.True(second.Succeeded, second.Reason);
        }
        finally
        {
            foreach (var edit in edits.Reverse())
            {
                var r = await lab.Runner.RollbackAsync(runId, edit, default);
                Assert.True(r.Succeeded, r.Reason);
            }
        }

        Assert.False((await lab.Runner.RunAsync(runId, check, default)).Succeeded);
    }

    private Task<V1ConfigMap> ClusterInfoAsync() => lab.Client.CoreV1.ReadNamespacedConfigMapAsync("cluster-info", "kube-public");

    private Task<V1ConfigMap> KubeProxyAsync() => lab.Client.CoreV1.ReadNamespacedConfigMapAsync("kube-proxy", "kube-system");

    private Task<V1DaemonSet> DaemonSetAsync() => lab.Client.AppsV1.ReadNamespacedDaemonSetAsync("kube-proxy", "kube-system");
}
