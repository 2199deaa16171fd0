using KubeHa.Agent.Configuration;
using KubeHa.Agent.Hosting;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeHa.Agent.Tests.Steps;

/// <summary>
/// Runs steps through a real <see cref="StepExecutor"/> whose state directory and single
/// allowed root ("root") live in a temporary directory.
/// </summary>
internal sealed class StepHarness : IDisposable
{
    private readonly TempDir _dir = new("kubeha-step");
    private readonly StepExecutor _executor;
    private int _steps;

    public StepHarness(params IStepAction[] actions)
        : this(_ => actions)
    {
    }

    /// <summary>For actions that need the harness's options or directories to be built.</summary>
    public StepHarness(Func<StepHarness, IEnumerable<IStepAction>> actions)
    {
        Directory.CreateDirectory(Root);
        Options = new AgentOptions
        {
            NodeName = "node-1",
            CaFile = "unused",
            CertFile = "unused",
            KeyFile = "unused",
            StateDir = _dir.Combine("state"),
            AllowedRoots = [Root],
        };
        _executor = new StepExecutor(Options, actions(this), TimeProvider.System, new AgentMetrics(), NullLogger<StepExecutor>.Instance);
    }

    public AgentOptions Options { get; }

    /// <summary>The only directory the executor may write in.</summary>
    public string Root => _dir.Combine("root");

    /// <summary>A directory outside the allowed roots.</summary>
    public string Outside => _dir.Combine("outside");

    public static string RunId => "run-1";

    /// <summary>Progress messages of the last step.</summary>
    public List<string> Progress { get; } = [];

    public string PathInRoot(params string[] parts) => Path.Combine([Root, .. parts]);

    public Task<StepResult> ApplyAsync(StepSpec spec, string? stepId = null) => RunAsync(StepMode.Apply, spec, stepId);

    public Task<StepResult> CheckAsync(StepSpec spec, string? stepId = null) => RunAsync(StepMode.Check, spec, stepId);

    public Task<StepResult> RollbackAsync(string stepId) =>
        RunAsync(new ExecuteStepRequest { RunId = RunId, StepId = NextId(), Mode = StepMode.Rollback, RollbackOfStepId = stepId });

    public Task<StepResult> RunAsync(StepMode mode, StepSpec spec, string? stepId = null) =>
        RunAsync(new ExecuteStepRequest { RunId = RunId, StepId = stepId ?? NextId(), Mode = mode, Step = spec });

    public async Task<StepResult> RunAsync(ExecuteStepRequest request)
    {
        Progress.Clear();
        StepResult? result = null;
        await foreach (var e in _executor.Start(request, CancellationToken.None).ReadAllAsync())
        {
            if (e.Progress is not null)
            {
                Progress.Add(e.Progress.Message);
            }

            if (e.Result is not null)
            {
                result = e.Result;
            }
        }

        return result ?? throw new InvalidOperationException("the step produced no result");
    }

    private string NextId() => $"s{Interlocked.Increment(ref _steps)}";

    public void Dispose()
    {
        _executor.Dispose();
        _dir.Dispose();
    }
}
