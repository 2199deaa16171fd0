using k8s;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Coordinator.LabTests.Cluster;

/// <summary>
/// CoreDNS spread on the lab. What the lab shows after `up`: kubeadm's addon phase created
/// Deployment kube-system/coredns (2 replicas) before the workers joined, so the real
/// scheduler bound both pods to master-1 (spec.nodeName); they stay Pending because the
/// kubelet stand-in runs no container for non-static pods. The check therefore counts pods
/// by spec.nodeName, and Ready is an option for real clusters.
/// </summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class CoreDnsSpreadLabTests(ClusterLab lab, ITestOutputHelper output)
{
    [LabFact]
    public async Task Spread_BothPodsOnMaster_AntiAffinityRolloutSpreadsThemAndRollbackRestoresTemplate()
    {
        lab.RequireUp();
        var pods = await lab.Client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=kube-dns");
        Assert.Equal(["master-1", "master-1"], pods.Items.Select(p => p.Spec.NodeName));
        Assert.All(pods.Items, p => Assert.Equal("Pending", p.Status.Phase));
        var before = await lab.Client.AppsV1.ReadNamespacedDeploymentAsync("coredns", "kube-system");
        var checkOnly = Steps.Cluster("post.coredns", new ClusterStep { CorednsSpread = new CoreDnsSpread { CheckOnly = true } });
        var spread = Steps.Cluster("post.coredns-spread", new ClusterStep { CorednsSpread = new CoreDnsSpread { WaitSeconds = 120 } });
        var runId = Steps.NewRunId();

        var notSpread = await lab.Runner.RunAsync(runId, checkOnly, default);
        var dryRun = await lab.Runner.CheckAsync(spread, default);

        Assert.False(notSpread.Succeeded);
        Assert.Contains("counted pods on 1 node(s) (need 2)", notSpread.Reason, StringComparison.Ordinal);
        Assert.True(dryRun.WouldChange, dryRun.Reason);
        Assert.Contains("+++ b/kube-system/deployments/coredns/template/affinity\n", dryRun.Diff, StringComparison.Ordinal);
        Assert.Contains("+      topologyKey: kubernetes.io/hostname\n", dryRun.Diff, StringComparison.Ordinal);
        Assert.Equal(before.Metadata.Generation, (await lab.Client.AppsV1.ReadNamespacedDeploymentAsync("coredns", "kube-system")).Metadata.Generation);

        var run = await lab.Runner.RunAsync(runId, spread, default);
        try
        {
            Assert.True(run.Succeeded, run.Reason);
            Assert.True(run.Changed);
            var spreadCheck = await lab.Runner.RunAsync(runId, checkOnly, default);
            Assert.True(spreadCheck.Succeeded, spreadCheck.Reason);
            var now = await lab.Client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=kube-dns");
            var live = now.Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            output.WriteLine(run.Reason);
            output.WriteLine("pods now: " + string.Join(", ", now.Items.Select(p => $"{p.Metadata.Name} -> {p.Spec.NodeName} {p.Status.Phase}{(p.Metadata.DeletionTimestamp is null ? string.Empty : " (terminating)")}")));
            Assert.True(live.Select(p => p.Spec.NodeName).Distinct().Count() >= 2, string.Join(", ", live.Select(p => $"{p.Metadata.Name}->{p.Spec.NodeName}")));
            var again = await lab.Runner.RunAsync(runId, spread, default);
            Assert.True(again.Succeeded, again.Reason);
            Assert.False(again.Changed);
        }
        finally
        {
            var rollback = await lab.Runner.RollbackAsync(runId, spread, default);
            Assert.True(rollback.Succeeded, rollback.Reason);
        }

        var back = await lab.Client.AppsV1.ReadNamespacedDeploymentAsync("coredns", "kube-system");
        Assert.Null(back.Spec.Template.Spec.Affinity);
        Assert.Equal(KubernetesJson.Serialize(before.Spec.Template), KubernetesJson.Serialize(back.Spec.Template));
    }

    [LabFact]
    public async Task Spread_OneReplicaAsked_FailsSayingItCannotSpread()
    {
        lab.RequireUp();
        var step = Steps.Cluster("post.coredns-spread", new ClusterStep { CorednsSpread = new CoreDnsSpread { MinNodes = 3 } });

        var run = await lab.Runner.RunAsync(Steps.NewRunId(), step, default);

        Assert.False(run.Succeeded);
        Assert.Equal("Deployment kube-system/coredns has 2 replica(s): it cannot be on 3 nodes; scale it to at least 3 first", run.Reason);
    }
}
