namespace KubeHa.Coordinator.Execution.Progress;

/// <summary>One node's line of the live view in the current phase ("cluster" for the coordinator's own steps).</summary>
internal sealed class NodeRow(string name)
{
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    /// <summary>Steps of this node in the phase.</summary>
    public int Total { get; set; }

    /// <summary>Distinct steps finished (succeeded, failed, skipped or rolled back).</summary>
    public int Done => _finished.Count;

    public string Step { get; set; } = string.Empty;
    public RowState State { get; set; } = RowState.Waiting;
    public string Message { get; set; } = string.Empty;

    public void Finish(string stepId) => _finished.Add(stepId);
}

internal enum RowState
{
    Waiting,
    Running,
    Ok,
    Changed,
    Failed,
    Skipped,
    RolledBack,
}
