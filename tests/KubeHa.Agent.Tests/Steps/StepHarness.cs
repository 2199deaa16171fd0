using KubeHa.Agent.Configuration;
using KubeHa.Agent.Hosting;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeHa.Agent.Tests.Steps;

/// <summary>
/// Runs steps through a real <see cref="StepExecutor"/>: its state under DIR/state, and one
/// allowed root (DIR/root, or the whole of a directory the caller owns). Two harnesses on one
/// caller-owned directory are an agent before and after a restart.
/// </summary>
internal sealed class StepHarness : IDisposable
{
    private readonly TempDir _dir;
    private readonly bool _ownsDir;
    private readonly StepExecutor _executor;
    private int _steps;

    public StepHarness(params IStepAction[] actions)
        : this(_ => actions)
    {
    }

    /// <summary>For actions that need the harness's options or directories to be built.</summary>
    public StepHarness(Func<StepHarness, IEnumerable<IStepAction>> actions)
        : this(new TempDir("kubeha-step"), ownsDir: true, root: null, actions)
    {
    }

    /// <summary>State under <paramref name="dir"/>/state, writes allowed anywhere in <paramref name="dir"/>, which the caller removes.</summary>
    public StepHarness(TempDir dir, params IStepAction[] actions)
        : this(dir, ownsDir: false, root: dir.Path, _ => actions)
    {
    }

    private StepHarness(TempDir dir, bool ownsDir, string? root, Func<StepHarness, IEnumerable<IStepAction>> actions)
    {
        _dir = dir;
        _ownsDir = ownsDir;
        Root = root ?? dir.Combine("root");
        Directory.CreateDirectory(Root);
        Options = new AgentOptions
        {
            NodeName = "node-1",
            CaFile = dir.Combine("agent-ca.crt"),
            CertFile = dir.Combine("agent.crt"),
            KeyFile = dir.Combine("agent.key"),
            StateDir = dir.Combine("state"),
            AllowedRoots = [Root],
        };
        _executor = new StepExecutor(Options, actions(this), TimeProvider.System, new AgentMetrics(), NullLogger<StepExecutor>.Instance);
    }

    public AgentOptions Options { get; }

    /// <summary>The only directory the executor may write in.</summary>
    public string Root { get; }

    /// <summary>A directory outside the allowed roots (of a harness that owns its directory).</summary>
    public string Outside => _dir.Combine("outside");

    public static string RunId => "run-1";

    /// <summary>Progress messages of the last step.</summary>
    public List<string> Progress { get; } = [];

    public string PathInRoot(params string[] parts) => Path.Combine([Root, .. parts]);

    public string BackupDir(string stepId) => Path.Combine(Options.BackupsDir, RunId, stepId);

    public Task<StepResult> ApplyAsync(StepSpec spec, string? stepId = null) => RunAsync(StepMode.Apply, spec, stepId);

    public Task<StepResult> CheckAsync(StepSpec spec, string? stepId = null) => RunAsync(StepMode.Check, spec, stepId);

    public Task<StepResult> RollbackAsync(string stepId) =>
        RunAsync(new ExecuteStepRequest { RunId = RunId, StepId = NewStepId(), Mode = StepMode.Rollback, RollbackOfStepId = stepId });

    public Task<StepResult> RunAsync(StepMode mode, StepSpec spec, string? stepId = null) =>
        RunAsync(new ExecuteStepRequest { RunId = RunId, StepId = stepId ?? NewStepId(), Mode = mode, Step = spec });

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

        return result ?? throw new InvalidOperationException($"step {request.StepId} produced no result");
    }

    public string NewStepId() => $"s{Interlocked.Increment(ref _steps)}";

    public void Dispose()
    {
        _executor.Dispose();
        if (_ownsDir)
        {
            _dir.Dispose();
        }
    }
}
