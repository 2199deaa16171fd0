using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Cluster;

/// <summary>The dry run of cluster steps, for `kubeha plan`.</summary>
public interface IClusterStepChecker
{
    /// <summary>Reads the cluster and reports what <paramref name="planned"/> would change; writes nothing.</summary>
    Task<ClusterStepCheck> CheckAsync(PlannedStep planned, CancellationToken cancellationToken);
}
