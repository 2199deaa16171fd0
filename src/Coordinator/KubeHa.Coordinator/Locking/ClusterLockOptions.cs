namespace KubeHa.Coordinator.Locking;

/// <summary>The cluster-wide lock: Lease kube-system/kubeha-coordinator, held while a run goes on.</summary>
public sealed record ClusterLockOptions
{
    public string Namespace { get; init; } = "kube-system";
    public string Name { get; init; } = "kubeha-coordinator";
    /// <summary>A holder that has not renewed for this long is taken to be gone; its lease can be taken over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(15);
}
