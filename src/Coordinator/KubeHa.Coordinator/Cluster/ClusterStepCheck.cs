using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// The dry run of a cluster step: whether it would change anything and the unified diff of
/// every value it would replace (one per object field, path /NAMESPACE/RESOURCE/NAME/FIELD).
/// </summary>
public sealed record ClusterStepCheck(bool Succeeded, bool WouldChange, string Reason, IReadOnlyList<ClusterValueDiff> Diffs)
{
    /// <summary>All diffs, concatenated.</summary>
    public string Diff => string.Concat(Diffs.Select(d => d.UnifiedDiff));

    /// <summary>As the agent's result type, so the planner can store it in PlannedStep.check.</summary>
    public StepResult ToStepResult(string runId, string stepId)
    {
        var result = new StepResult
        {
            RunId = runId,
            StepId = stepId,
            Mode = StepMode.Check,
            Outcome = Succeeded ? StepOutcome.Succeeded : StepOutcome.Failed,
            Reason = Reason,
            Changed = WouldChange,
        };
        result.Changes.AddRange(Diffs.Select(d => new FileChange { Path = d.Path, Kind = FileChangeKind.Modified, UnifiedDiff = d.UnifiedDiff }));
        return result;
    }
}

/// <summary>One value a cluster step would replace: where, and the unified diff.</summary>
public sealed record ClusterValueDiff(string Path, string UnifiedDiff);
