using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Agent.LabTests.Fixture;

/// <summary>Submits steps of one run to the real agent of one lab node over mutual TLS, as the coordinator does.</summary>
public sealed class AgentSteps(LabAgents agents, string node, string runPrefix) : IAsyncDisposable
{
    private readonly AgentConnection _connection = agents.Connect(node);
    private readonly StepSubmitter _submitter = new(TimeProvider.System);

    /// <summary>Unique per test run: the agent's step records persist in the node across runs on a reused lab.</summary>
    public string RunId { get; } = $"{runPrefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public LabAgent Agent => agents.Running[node];

    public Task<StepResult> ApplyAsync(string stepId, StepSpec spec) => RunAsync(new() { StepId = stepId, Mode = StepMode.Apply, Step = spec });

    public Task<StepResult> CheckAsync(string stepId, StepSpec spec) => RunAsync(new() { StepId = stepId, Mode = StepMode.Check, Step = spec });

    public Task<StepResult> RollbackAsync(string stepId, string of) => RunAsync(new() { StepId = stepId, Mode = StepMode.Rollback, RollbackOfStepId = of });

    private Task<StepResult> RunAsync(ExecuteStepRequest request)
    {
        request.RunId = RunId;
        return _submitter.RunAsync(_connection, request, NullStepObserver.Instance, CancellationToken.None);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
