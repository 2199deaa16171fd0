using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>The coordinator's own Kubernetes API steps (run by KubernetesClusterStepRunner).</summary>
public static class ClusterSpecs
{
    public static ClusterStep Note(string note) => new() { Noop = new ClusterNoop { Note = note } };

    /// <summary>kubeadm-config must be readable (and parseable): its check with no change asked.</summary>
    public static ClusterStep ReadKubeadmConfig() => new() { KubeadmConfig = new KubeadmConfigUpdate() };

    public static ClusterStep KubeadmConfig(string controlPlaneEndpoint, IReadOnlyList<string> certSans) =>
        new() { KubeadmConfig = new KubeadmConfigUpdate { ControlPlaneEndpoint = controlPlaneEndpoint, CertSans = { certSans } } };

    public static ClusterStep ClusterInfo(string server) => new() { ClusterInfo = new ClusterInfoServer { Server = server } };

    public static ClusterStep KubeProxy(string server) => new() { KubeProxy = new KubeProxyServer { Server = server, RestartDaemonset = true } };

    public static ClusterStep NodesReady(IReadOnlyList<string> nodes) =>
        new() { NodesReady = new NodesReadyGate { Nodes = { nodes }, TimeoutSeconds = 180 } };

    public static ClusterStep EndpointCheck(string server, string controlPlaneEndpoint) =>
        new() { EndpointCheck = new EndpointCheck { Server = server, ControlPlaneEndpoint = controlPlaneEndpoint } };

    public static ClusterStep CoreDnsSpread() => new() { CorednsSpread = new CoreDnsSpread { MinNodes = 2 } };
}
