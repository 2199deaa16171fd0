namespace KubeHa.Coordinator.Cluster;

/// <summary>What a cluster step replaced, saved before its first write (runs/RUN/cluster/STEP.json).</summary>
internal sealed record StepBackup(string RunId, string StepId, string Action, DateTimeOffset SavedAt, IReadOnlyList<FieldChange> Changes)
{
    public bool AnyApplied => Changes.Any(c => c.Applied);
}
