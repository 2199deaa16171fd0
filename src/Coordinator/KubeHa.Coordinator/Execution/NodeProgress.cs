namespace KubeHa.Coordinator.Execution;

/// <summary>One node's line in the live view.</summary>
internal sealed class NodeProgress(string name)
{
    public string Name { get; } = name;
    public int Total { get; set; }
    public int Done { get; private set; }
    public int Changed { get; private set; }
    public string State { get; private set; } = "waiting";
    public string Step { get; private set; } = string.Empty;
    public string Message { get; set; } = string.Empty;

    public void Start(string description)
    {
        State = "running";
        Step = description;
        Message = string.Empty;
    }

    public void Finish(string state, string description, string reason, bool changed)
    {
        State = state;
        Step = description;
        Message = reason;
        if (state is not ("FAILED" or "rolled back"))
        {
            Done++;
        }

        if (changed)
        {
            Changed++;
        }
    }
}
