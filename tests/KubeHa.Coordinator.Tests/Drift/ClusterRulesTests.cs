using k8s.Models;
using KubeHa.Coordinator.Drift;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Drift;

/// <summary>The cluster-level rules on Kubernetes objects as the API returns them.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class ClusterRulesTests
{
    private const string Endpoint = "https://api.k8s.local:8443";

    private static V1Pod Pod(string name, string node, bool ready = true) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "kube-system" },
        Spec = new V1PodSpec { NodeName = node },
        Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
    };

    private static string Kubeconfig(string server) => $"apiVersion: v1\nclusters:\n- cluster:\n    server: {server}\n  name: default\nkind: Config\n";

    [Fact]
    public void CoreDns_AllReplicasOnOneNode_Reported()
    {
        var item = Assert.Single(ClusterRules.CoreDnsPlacement([Pod("coredns-1", "master-1"), Pod("coredns-2", "master-1")]));

        Assert.Equal((DriftKind.CorednsPlacement, "master-1"), (item.Kind, item.Node));
        Assert.Equal("all 2 replicas on master-1", item.Actual);
    }

    [Fact]
    public void CoreDns_SpreadOrSingleReplica_NotReported()
    {
        Assert.Empty(ClusterRules.CoreDnsPlacement([Pod("coredns-1", "master-1"), Pod("coredns-2", "worker-1")]));
        Assert.Empty(ClusterRules.CoreDnsPlacement([Pod("coredns-1", "master-1")]));
    }

    [Fact]
    public void Etcd_TwoMembers_EvenCountReported()
    {
        var members = new[] { Pod("etcd-master-1", "master-1"), Pod("etcd-master-2", "master-2") }.Select(ClusterDriftChecker.EtcdFromPod).ToList();

        var item = Assert.Single(ClusterRules.EtcdMembers(members, "rule:etcd"));

        Assert.Equal((DriftKind.EtcdMembers, "etcd"), (item.Kind, item.Subject));
        Assert.Equal("2 members: etcd-master-1, etcd-master-2", item.Actual);
    }

    [Fact]
    public void Etcd_ThreeMembersOneUnready_UnhealthyMemberReportedOnItsNode()
    {
        var members = new[] { Pod("etcd-m1", "m1"), Pod("etcd-m2", "m2", ready: false), Pod("etcd-m3", "m3") }.Select(ClusterDriftChecker.EtcdFromPod).ToList();

        var item = Assert.Single(ClusterRules.EtcdMembers(members, "rule:etcd"));

        Assert.Equal(("m2", "etcd/etcd-m2"), (item.Node, item.Subject));
        Assert.Contains("Ready=False", item.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigMaps_KubeProxyOnMasterClusterInfoOnEndpoint_OnlyKubeProxyReported()
    {
        var kubeProxy = new V1ConfigMap { Data = new Dictionary<string, string> { ["kubeconfig.conf"] = Kubeconfig("https://10.0.0.11:6443") } };
        var clusterInfo = new V1ConfigMap { Data = new Dictionary<string, string> { ["kubeconfig"] = Kubeconfig("https://API.k8s.local:8443") } };

        var item = Assert.Single(ClusterRules.ConfigMapEndpoints(kubeProxy, clusterInfo, Endpoint));

        Assert.Equal(("kube-system/kube-proxy", Endpoint, "https://10.0.0.11:6443"), (item.Subject, item.Expected, item.Actual));
    }

    [Fact]
    public void Nodes_NotReadyAndUnknown_EachReported()
    {
        V1Node Node(string name, string status) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = status, Reason = "KubeletNotReady" }] },
        };

        var items = ClusterRules.NodesNotReady([Node("a", "True"), Node("b", "False"), Node("c", "Unknown")]).ToList();

        Assert.Equal(["b", "c"], items.Select(i => i.Node));
        Assert.Equal("Ready=False (KubeletNotReady)", items[0].Actual);
    }

    [Fact]
    public void FixPlanner_MixedItems_OneStepPerKindPerNodeAndTheRestSetApart()
    {
        DriftItem Item(string node, DriftKind kind, string subject, string expected = "", bool correctable = true) =>
            new() { Id = $"{node}/{kind}/{subject}", Node = node, Kind = kind, Subject = subject, Expected = expected, Correctable = correctable };
        var items = new[]
        {
            Item("m1", DriftKind.FileContent, "/etc/kubernetes/kubelet.conf"),
            Item("m1", DriftKind.KubeconfigEndpoint, "/etc/kubernetes/kubelet.conf", Endpoint),
            Item("m1", DriftKind.KubeconfigEndpoint, "/etc/kubernetes/admin.conf", Endpoint),
            Item("m1", DriftKind.CertificateSan, "/etc/kubernetes/pki/apiserver.crt", "api.k8s.local"),
            Item("m1", DriftKind.ServiceInactive, "haproxy", correctable: false),
            Item("cluster", DriftKind.CorednsPlacement, "kube-system/coredns", correctable: false),
        };

        var (plan, rest) = DriftFixPlanner.Build(items, "fix-1", "c");

        var steps = Assert.Single(plan.Phases).Steps;
        Assert.Equal(["m1-restore", "m1-kubeconfig-1", "m1-apiserver-certificate"], steps.Select(s => s.Id));
        Assert.Equal(["/etc/kubernetes/kubelet.conf"], steps[0].Agent.RestoreDesired.Subjects);
        Assert.Equal(["/etc/kubernetes/admin.conf"], steps[1].Agent.KubeconfigEndpoint.Files.Select(f => f.Path));
        Assert.Equal(["api.k8s.local"], steps[2].Agent.ApiserverCertificate.AddSans);
        Assert.Equal(["kube-system/coredns", "haproxy"], rest.Select(r => r.Subject));
    }
}
