using System.Security.Cryptography.X509Certificates;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Tests.Integration;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Execution;

/// <summary>The executor against real agent processes over mutual TLS, with a real SQLite journal.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class PlanExecutorTests : IAsyncLifetime
{
    private readonly AgentFixture _fixture = new();
    private AgentProcess _a = null!;
    private AgentProcess _b = null!;

    public async Task InitializeAsync()
    {
        _a = _fixture.NewAgent("node-a");
        _b = _fixture.NewAgent("node-b");
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
    }

    public Task DisposeAsync()
    {
        _a.Dispose();
        _b.Dispose();
        _fixture.Dispose();
        return Task.CompletedTask;
    }

    private AgentPool Pool()
    {
        var (client, ca) = _fixture.Pki.LoadCoordinatorIdentity();
        return new AgentPool([new AgentEndpoint("node-a", _a.Address), new AgentEndpoint("node-b", _b.Address)], client, ca,
            new AgentConnectionOptions { Retries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(200) }, TimeProvider.System);
    }

    private static PlannedStep Noop(string id, string node, int events = 1, int delayMs = 0, bool gate = false, string wave = "") => new()
    {
        Id = id,
        Node = node,
        Description = $"noop {id}",
        Gate = gate,
        Wave = wave,
        Agent = new StepSpec { Noop = new NoopAction { ProgressEvents = events, DelayMs = delayMs } },
    };

    private static Plan NewPlan(string runId, params Phase[] phases)
    {
        var plan = new Plan { RunId = runId, Cluster = "test" };
        plan.Phases.AddRange(phases);
        return plan;
    }

    private static Phase Phase(string name, params PlannedStep[] steps)
    {
        var phase = new Phase { Name = name, Description = name };
        phase.Steps.AddRange(steps);
        return phase;
    }

    private static long Executed(string metrics) => metrics.Split('\n')
        .Where(l => l.StartsWith("kubeha_agent_steps_executed_total{", StringComparison.Ordinal))
        .Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Apply_TwoPhasesTwoNodes_AllSucceededAndJournaledInOrder()
    {
        using var journal = new RunJournal(_fixture.Temp.Combine("j1"), TimeProvider.System);
        await using var pool = Pool();
        var output = new StringWriter();
        var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(output), TimeProvider.System);
        var plan = NewPlan("run-ok",
            Phase("one", Noop("a1", "node-a", wave: "w"), Noop("b1", "node-b", wave: "w")),
            Phase("two", Noop("a2", "node-a"), new PlannedStep { Id = "checkpoint", Description = "checkpoint", Cluster = new ClusterStep { Noop = new ClusterNoop() } }));

        var result = await executor.ApplyAsync(plan, CancellationToken.None);

        Assert.True(result.Succeeded, result.Message);
        Assert.All(journal.Steps("run-ok").Values, s => Assert.Equal(StepState.Succeeded, s.State));
        var events = journal.Events("run-ok").Where(e => e.StepId == "a2").Select(e => e.Kind).ToList();
        Assert.Equal(["Submitted", "Acknowledged", "Progress", "Succeeded"], events);
        Assert.Equal(RunStatus.Succeeded, journal.Runs().Single().Status);
        Assert.Contains("== phase 2/2 two", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_GateFails_StopsRollsBackNodeStepsOfPhaseAndLaterPhasesNeverRun()
    {
        using var journal = new RunJournal(_fixture.Temp.Combine("j2"), TimeProvider.System);
        await using var pool = Pool();
        var output = new StringWriter();
        var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(output), TimeProvider.System);
        // A noop asking for -1 progress events is refused by the agent: a failing gate.
        var plan = NewPlan("run-gate",
            Phase("first", Noop("a1", "node-a"), Noop("b1", "node-b"), Noop("a-gate", "node-a", events: -1, gate: true)),
            Phase("second", Noop("a2", "node-a")));

        var result = await executor.ApplyAsync(plan, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("gate 'a-gate' on node 'node-a' failed", result.Message, StringComparison.Ordinal);
        Assert.True(result.Message.Contains("Rolled back on that node: a1", StringComparison.Ordinal), output.ToString());
        Assert.Contains("kubeha apply --resume run-gate", result.Message, StringComparison.Ordinal);
        var steps = journal.Steps("run-gate");
        Assert.Equal(StepState.RolledBack, steps["a1"].State);
        Assert.Equal(StepState.Succeeded, steps["b1"].State);
        Assert.Equal(StepState.Refused, steps["a-gate"].State);
        Assert.Equal(StepState.Pending, steps["a2"].State);
        Assert.Equal(RunStatus.Failed, journal.Runs().Single().Status);
    }

    [Fact]
    public async Task Resume_AfterCoordinatorStoppedMidRun_FinishesWithoutRepeatingCompletedSteps()
    {
        var stateDir = _fixture.Temp.Combine("j3");
        var plan = NewPlan("run-crash",
            Phase("p1", Noop("s1", "node-a"), Noop("s2", "node-b")),
            Phase("p2", Noop("s3", "node-a", events: 5, delayMs: 200), Noop("s4", "node-b")),
            Phase("p3", Noop("s5", "node-a")));

        using (var cts = new CancellationTokenSource())
        using (var journal = new RunJournal(stateDir, TimeProvider.System))
        {
            await using var pool = Pool();
            var crash = new ProgressHook(p => { if (p.Id == "s3") { cts.Cancel(); } });
            var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), crash, TimeProvider.System);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => executor.ApplyAsync(plan, cts.Token));
            var steps = journal.Steps("run-crash");
            Assert.Equal(StepState.Succeeded, steps["s2"].State);
            Assert.Contains(steps["s3"].State, new[] { StepState.Submitted, StepState.Acknowledged });
        }

        // s3 kept running on the agent while the coordinator was gone.
        await Task.Delay(1500);
        using (var journal = new RunJournal(stateDir, TimeProvider.System))
        {
            await using var pool = Pool();
            var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(TextWriter.Null), TimeProvider.System);
            var result = await executor.ResumeAsync("run-crash", CancellationToken.None);

            Assert.True(result.Succeeded, result.Message);
            Assert.All(journal.Steps("run-crash").Values, s => Assert.Equal(StepState.Succeeded, s.State));
            Assert.Contains(journal.Events("run-crash"), e => e.StepId == "s1" && e.Kind == "Succeeded");
        }

        // Each of the five steps executed exactly once across both coordinator runs.
        Assert.Equal(3, Executed(await _a.MetricsAsync()));
        Assert.Equal(2, Executed(await _b.MetricsAsync()));
    }

    [Fact]
    public async Task Apply_AgentKilledMidStep_StepFailsCleanlyAndResumeRunsANewAttempt()
    {
        using var journal = new RunJournal(_fixture.Temp.Combine("j4"), TimeProvider.System);
        await using var pool = Pool();
        var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new ProgressHook(p => { if (p.Id == "slow") { _b.Kill(); } }), TimeProvider.System);
        var plan = NewPlan("run-agent-dies", Phase("p", Noop("slow", "node-b", events: 20, delayMs: 100)));

        var result = await executor.ApplyAsync(plan, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("node-b", result.Message, StringComparison.Ordinal);
        Assert.Equal(StepState.Failed, journal.Steps("run-agent-dies")["slow"].State);

        await _b.StartAsync();
        var info = await pool["node-b"].GetNodeInfoAsync(CancellationToken.None);
        Assert.Equal("node-b", info.NodeName);
        var resumed = await new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(TextWriter.Null), TimeProvider.System)
            .ResumeAsync("run-agent-dies", CancellationToken.None);

        Assert.True(resumed.Succeeded, resumed.Message + "\n" + _b.Log);
        Assert.Equal(2, journal.Steps("run-agent-dies")["slow"].Attempt);
    }
}
