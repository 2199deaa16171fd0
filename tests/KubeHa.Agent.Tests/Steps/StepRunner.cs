using KubeHa.Agent.Configuration;
using KubeHa.Agent.Hosting;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeHa.Agent.Tests.Steps;

/// <summary>
/// Runs steps through the real <see cref="StepExecutor"/> with its state under a temp dir and
/// the temp dir as the only allowed root.
/// </summary>
internal sealed class StepRunner : IDisposable
{
    private readonly StepExecutor _executor;
    private int _next;

    public StepRunner(TempDir dir, params IStepAction[] actions)
    {
        Options = new AgentOptions
        {
            NodeName = "node-1",
            CaFile = dir.Combine("agent-ca.crt"),
            CertFile = dir.Combine("agent.crt"),
            KeyFile = dir.Combine("agent.key"),
            StateDir = dir.Combine("state"),
            AllowedRoots = [dir.Path],
        };
        _executor = new StepExecutor(Options, actions, TimeProvider.System, new AgentMetrics(), NullLogger<StepExecutor>.Instance);
    }

    public AgentOptions Options { get; }

    public string RunId { get; } = "run1";

    public string NewStepId() => $"step{Interlocked.Increment(ref _next)}";

    public string BackupDir(string stepId) => Path.Combine(Options.BackupsDir, RunId, stepId);

    public Task<StepResult> ApplyAsync(StepSpec spec, string? stepId = null) =>
        RunAsync(new ExecuteStepRequest { RunId = RunId, StepId = stepId ?? NewStepId(), Mode = StepMode.Apply, Step = spec });

    public Task<StepResult> CheckAsync(StepSpec spec) =>
        RunAsync(new ExecuteStepRequest { RunId = RunId, StepId = NewStepId(), Mode = StepMode.Check, Step = spec });

    public Task<StepResult> RollbackAsync(string stepId) =>
        RunAsync(new ExecuteStepRequest { RunId = RunId, StepId = NewStepId(), Mode = StepMode.Rollback, RollbackOfStepId = stepId });

    public async Task<StepResult> RunAsync(ExecuteStepRequest request)
    {
        StepResult? result = null;
        await foreach (var e in _executor.Start(request, CancellationToken.None).ReadAllAsync())
        {
            if (e.EventCase == ExecuteStepResponse.EventOneofCase.Result)
            {
                result = e.Result;
            }
        }

        return result ?? throw new InvalidOperationException($"step {request.StepId} produced no result");
    }

    public void Dispose() => _executor.Dispose();
}
