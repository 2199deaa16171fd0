using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Agents;

/// <summary>Callbacks for the transitions of one submitted step; the journal hooks in here.</summary>
public interface IStepObserver
{
    ValueTask SubmittedAsync(AgentEndpoint agent, ExecuteStepRequest request);
    ValueTask AcknowledgedAsync(AgentEndpoint agent, StepAccepted accepted);
    ValueTask ProgressAsync(AgentEndpoint agent, ExecuteStepRequest request, StepProgress progress);
    ValueTask FinishedAsync(AgentEndpoint agent, StepResult result);
}

/// <summary>Observer that does nothing.</summary>
public sealed class NullStepObserver : IStepObserver
{
    public static readonly NullStepObserver Instance = new();

    public ValueTask SubmittedAsync(AgentEndpoint agent, ExecuteStepRequest request) => ValueTask.CompletedTask;
    public ValueTask AcknowledgedAsync(AgentEndpoint agent, StepAccepted accepted) => ValueTask.CompletedTask;
    public ValueTask ProgressAsync(AgentEndpoint agent, ExecuteStepRequest request, StepProgress progress) => ValueTask.CompletedTask;
    public ValueTask FinishedAsync(AgentEndpoint agent, StepResult result) => ValueTask.CompletedTask;
}
