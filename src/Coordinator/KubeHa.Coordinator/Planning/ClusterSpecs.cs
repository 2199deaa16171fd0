using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>The coordinator's own Kubernetes API steps.</summary>
public static class ClusterSpecs
{
    public static ClusterStep Note(string note) => new() { Noop = new ClusterNoop { Note = note } };

    public static ClusterStep ReadKubeadmConfig() => Note("read kubeadm-config");

    public static ClusterStep KubeadmConfig(string controlPlaneEndpoint, IReadOnlyList<string> certSans) => Note($"kubeadm-config {controlPlaneEndpoint} {string.Join(',', certSans)}");

    public static ClusterStep ClusterInfo(string server) => Note($"cluster-info {server}");

    public static ClusterStep KubeProxy(string server) => Note($"kube-proxy {server}");

    public static ClusterStep NodesReady(IReadOnlyList<string> nodes) => Note($"ready {string.Join(',', nodes)}");

    public static ClusterStep EndpointCheck(string server, string controlPlaneEndpoint) => Note($"check {server} {controlPlaneEndpoint}");

    public static ClusterStep CoreDnsSpread() => Note("coredns spread");
}
