using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.LabTests;

/// <summary>PlannedSteps for the tests, and the endpoint they point the lab at.</summary>
internal static class Steps
{
    /// <summary>A name nothing resolves: the tests only edit the API objects, nothing connects to it.</summary>
    public const string Endpoint = "k8s-api.lab:8443";
    public const string Server = "https://" + Endpoint;

    public static string NewRunId() => "run-" + Guid.NewGuid().ToString("N")[..12];

    public static PlannedStep Cluster(string id, ClusterStep step) => new() { Id = id, Cluster = step };

    public static PlannedStep KubeadmConfig(params string[] sans) =>
        Cluster("cluster-config.kubeadm", new ClusterStep { KubeadmConfig = new KubeadmConfigUpdate { ControlPlaneEndpoint = Endpoint, CertSans = { sans } } });

    public static PlannedStep ClusterInfo() =>
        Cluster("cluster-config.cluster-info", new ClusterStep { ClusterInfo = new ClusterInfoServer { Server = Server } });

    public static PlannedStep KubeProxy(bool restart) =>
        Cluster("clients.kube-proxy", new ClusterStep { KubeProxy = new KubeProxyServer { Server = Server, RestartDaemonset = restart } });
}
