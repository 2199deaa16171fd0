using k8s;
using k8s.Models;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>
/// Cluster-level rules of the issue's second lab check, run by the real `kubeha serve` through
/// the lab's Kubernetes API (every 2 s here): a 2-member etcd (a real second member on
/// worker-1, removed at the end) and CoreDNS with every replica on one node.
/// </summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class ClusterCheckDriftLabTests(ClusterLab lab, ITestOutputHelper output)
{
    private const string EtcdId = "cluster/etcd_members/etcd";

    [LabFact]
    public async Task Etcd_RealSecondMember_EvenCountReportedAndClosedWhenItLeaves()
    {
        lab.RequireUp();
        await using var rig = new DriftRig(output, nameof(Etcd_RealSecondMember_EvenCountReportedAndClosedWhenItLeaves), clusterIntervalSeconds: 2);
        await rig.Serve.StartAsync();
        await rig.WaitStoreAsync("first cluster check stored, one etcd member: no etcd item", TimeSpan.FromSeconds(30),
            items => rig.Store.Sequences("@cluster").Count > 0 && items.All(i => i.Item.Id != EtcdId));

        string? member = null;
        try
        {
            member = await EtcdSecondMember.AddAsync(rig.Log);
            var took = await rig.WaitStoreAsync("2-member etcd reported", TimeSpan.FromSeconds(30),
                items => items.Any(i => i.Item.Id == EtcdId && i.Item.Actual.StartsWith("2 members", StringComparison.Ordinal)));
            rig.Log($"2 voting members -> reported after {took.TotalMilliseconds:0} ms");
            var item = (await rig.DriftJsonAsync()).Single(e => e.GetProperty("id").GetString() == EtcdId);
            Assert.Equal("cluster", item.GetProperty("node").GetString());
            Assert.Equal("etcd_members", item.GetProperty("kind").GetString());
            Assert.Equal("2 members: etcd-master-1, etcd-worker-1", item.GetProperty("actual").GetString());
            Assert.False(item.GetProperty("correctable").GetBoolean());
        }
        finally
        {
            await EtcdSecondMember.RemoveAsync(member, rig.Log);
        }

        await rig.WaitStoreAsync("etcd item closed once the member left", TimeSpan.FromSeconds(30), items => items.All(i => i.Item.Id != EtcdId));
        var health = await LabCli.ExecAsync("master-1", "sh", "-c",
            "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key endpoint health --cluster");
        Assert.True(health.ExitCode == 0, health.Describe("etcd health after the member left"));
    }

    /// <summary>
    /// After `up` both CoreDNS pods are bound to master-1 (see CoreDnsSpreadLabTests) and that is
    /// what is checked. When an earlier test spread them, they are pinned to worker-2 first
    /// (nodeSelector and Recreate; both restored at the end), so the report is checked either way.
    /// </summary>
    [LabFact]
    public async Task CoreDns_AllReplicasOnOneNode_Reported()
    {
        lab.RequireUp();
        await using var rig = new DriftRig(output, nameof(CoreDns_AllReplicasOnOneNode_Reported), clusterIntervalSeconds: 2);
        V1DeploymentStrategy? strategy = null;
        try
        {
            var nodes = await PlacementAsync();
            if (nodes.Distinct(StringComparer.Ordinal).Count() != 1 || nodes.Count < 2)
            {
                // Recreate: a rolling update never finishes in the lab (no Deployment pod becomes available).
                rig.Log($"CoreDNS on {string.Join(", ", nodes)}: pinning it to worker-2 (Recreate)");
                strategy = (await lab.Client.AppsV1.ReadNamespacedDeploymentAsync("coredns", "kube-system")).Spec.Strategy;
                await PatchAsync("""{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null},"template":{"spec":{"nodeSelector":{"kubernetes.io/hostname":"worker-2"}}}}}""");
                await LabCli.EventuallyAsync("CoreDNS replicas all on worker-2", TimeSpan.FromSeconds(120), async () =>
                {
                    // No kubelet confirms the deletion of a non-static pod in the lab: finish it as the node's would.
                    var pods = await lab.Client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=kube-dns");
                    foreach (var gone in pods.Items.Where(p => p.Metadata.DeletionTimestamp is not null))
                    {
                        await lab.Client.CoreV1.DeleteNamespacedPodAsync(gone.Metadata.Name, "kube-system", gracePeriodSeconds: 0);
                    }

                    var now = await PlacementAsync();
                    return (now.Count >= 2 && now.All(n => n == "worker-2"), string.Join(", ", now));
                });
                nodes = await PlacementAsync();
            }

            var node = nodes[0];
            rig.Log($"CoreDNS replicas on {string.Join(", ", nodes)}");
            await rig.Serve.StartAsync();
            var id = $"{node}/coredns_placement/kube-system/coredns";
            await rig.WaitStoreAsync("CoreDNS on one node reported", TimeSpan.FromSeconds(30), items => items.Any(i => i.Item.Id == id));
            var item = (await rig.DriftJsonAsync()).Single(e => e.GetProperty("id").GetString() == id);
            Assert.Equal("coredns_placement", item.GetProperty("kind").GetString());
            Assert.Equal($"all {nodes.Count} replicas on {node}", item.GetProperty("actual").GetString());
            Assert.Equal("replicas on at least 2 nodes", item.GetProperty("expected").GetString());
        }
        finally
        {
            if (strategy is not null)
            {
                await PatchAsync("""{"spec":{"strategy":""" + KubernetesJson.Serialize(strategy) + ""","template":{"spec":{"nodeSelector":{"kubernetes.io/hostname":null}}}}}""");
            }
        }
    }

    private async Task<List<string>> PlacementAsync()
    {
        var pods = await lab.Client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=kube-dns");
        return pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && !string.IsNullOrEmpty(p.Spec.NodeName)).Select(p => p.Spec.NodeName).ToList();
    }

    private Task<V1Deployment> PatchAsync(string patch) =>
        lab.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "coredns", "kube-system");
}
