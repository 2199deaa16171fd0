using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>Performs the coordinator's own (cluster-level, Kubernetes API) steps.</summary>
public interface IClusterStepRunner
{
    Task<ClusterStepResult> RunAsync(string runId, PlannedStep planned, CancellationToken cancellationToken);

    Task<ClusterStepResult> RollbackAsync(string runId, PlannedStep planned, CancellationToken cancellationToken);
}

public sealed record ClusterStepResult(bool Succeeded, bool Changed, string Reason);

/// <summary>Runs only the steps that need no cluster access (checkpoints).</summary>
public sealed class OfflineClusterStepRunner : IClusterStepRunner
{
    public Task<ClusterStepResult> RunAsync(string runId, PlannedStep planned, CancellationToken cancellationToken) =>
        Task.FromResult(planned.Cluster.ActionCase == ClusterStep.ActionOneofCase.Noop
            ? new ClusterStepResult(true, false, string.Empty)
            : new ClusterStepResult(false, false, $"step {planned.Id}: cluster action {planned.Cluster.ActionCase} needs the Kubernetes API (no kubeconfig given)"));

    public Task<ClusterStepResult> RollbackAsync(string runId, PlannedStep planned, CancellationToken cancellationToken) =>
        Task.FromResult(new ClusterStepResult(true, false, string.Empty));
}
