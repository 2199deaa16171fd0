namespace KubeHa.Coordinator.Execution;

/// <summary>Journaled states of a planned step.</summary>
public enum StepState
{
    Pending,
    Submitted,
    Acknowledged,
    Succeeded,
    Failed,
    Refused,
    RolledBack,
}

public enum RunStatus
{
    Running,
    Succeeded,
    Failed,
    RolledBack,
}
