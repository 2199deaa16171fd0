using System.Collections.Concurrent;
using KubeHa.Coordinator.Execution;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Tests.Execution;

/// <summary>
/// The coordinator's Kubernetes API side, replaced where no API server runs: records the cluster
/// steps run and rolled back, in order, and fails those it is told to.
/// </summary>
internal sealed class RecordingClusterRunner : IClusterStepRunner
{
    private readonly ConcurrentQueue<string> _ran = new();
    private readonly ConcurrentQueue<string> _rolledBack = new();

    public HashSet<string> FailRun { get; } = new(StringComparer.Ordinal);
    public HashSet<string> FailRollback { get; } = new(StringComparer.Ordinal);
    public IReadOnlyList<string> Ran => [.. _ran];
    public IReadOnlyList<string> RolledBack => [.. _rolledBack];

    public Task<ClusterStepResult> RunAsync(string runId, PlannedStep planned, CancellationToken cancellationToken)
    {
        _ran.Enqueue(planned.Id);
        return Task.FromResult(FailRun.Contains(planned.Id)
            ? new ClusterStepResult(false, false, $"{planned.Id} failed on purpose")
            : new ClusterStepResult(true, !planned.Gate, string.Empty));
    }

    public Task<ClusterStepResult> RollbackAsync(string runId, PlannedStep planned, CancellationToken cancellationToken)
    {
        if (FailRollback.Contains(planned.Id))
        {
            return Task.FromResult(new ClusterStepResult(false, false, $"rollback of {planned.Id}: conflict on purpose"));
        }

        _rolledBack.Enqueue(planned.Id);
        return Task.FromResult(new ClusterStepResult(true, true, $"restored {planned.Id}"));
    }
}
