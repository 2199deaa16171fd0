namespace KubeHa.Coordinator.Cluster;

/// <summary>What KubeHa reads back from kubeadm's ClusterConfiguration.</summary>
internal sealed record ClusterConfigurationValues(string? ControlPlaneEndpoint, IReadOnlyList<string> CertSans);
