namespace KubeHa.Coordinator.Drift;

/// <summary>One etcd member as the cluster check saw it.</summary>
/// <param name="Node">The Kubernetes node it runs on, when known.</param>
public sealed record EtcdMemberHealth(string Name, string Node, bool Healthy, string Detail);
