using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Execution.Progress;
using KubeHa.Coordinator.Tests.Execution.Progress;
using KubeHa.Coordinator.Tests.Integration;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Execution;

/// <summary>Rollback of a failed phase with cluster steps in it: real agents over mutual TLS, a recording cluster runner.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class PlanExecutorRollbackTests : IAsyncLifetime
{
    private readonly AgentFixture _fixture = new();
    private readonly RecordingClusterRunner _cluster = new();
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
            new AgentConnectionOptions { Retries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(100) }, TimeProvider.System);
    }

    private static PlannedStep Noop(string id, string node) => new()
    {
        Id = id, Node = node, Description = $"noop {id}", Agent = new StepSpec { Noop = new NoopAction { ProgressEvents = 1 } },
    };

    private static PlannedStep ConfigMap(string id) => new()
    {
        Id = id, Description = $"cluster-info {id}", Cluster = new ClusterStep { ClusterInfo = new ClusterInfoServer { Server = "https://lb:8443" } },
    };

    private static PlannedStep ApiGate(string id) => new()
    {
        Id = id, Description = $"api ready {id}", Gate = true, Cluster = new ClusterStep { ApiReady = new ApiReadyGate { Server = "https://lb:8443" } },
    };

    private static PlannedStep NodesReady(string id, params string[] nodes)
    {
        var gate = new NodesReadyGate();
        gate.Nodes.AddRange(nodes);
        return new PlannedStep { Id = id, Description = $"nodes ready {id}", Gate = true, Cluster = new ClusterStep { NodesReady = gate } };
    }

    private static Plan NewPlan(string runId, params PlannedStep[][] phases)
    {
        var plan = new Plan { RunId = runId, Cluster = "test" };
        for (var i = 0; i < phases.Length; i++)
        {
            var phase = new Phase { Name = $"p{i + 1}", Description = $"phase {i + 1}" };
            phase.Steps.AddRange(phases[i]);
            plan.Phases.Add(phase);
        }

        return plan;
    }

    private async Task<(RunResult Result, RunJournal Journal, string Output)> ApplyAsync(string runId, Plan plan)
    {
        var journal = new RunJournal(_fixture.Temp.Combine(runId), TimeProvider.System);
        await using var pool = Pool();
        var output = new StringWriter();
        var result = await new PlanExecutor(journal, pool, _cluster, new LineProgress(output), TimeProvider.System).ApplyAsync(plan, CancellationToken.None);
        return (result, journal, output.ToString());
    }

    [Fact]
    public async Task Apply_ClusterGateFails_CompletedClusterStepsOfPhaseRolledBackInReverse()
    {
        _cluster.FailRun.Add("api");
        var plan = NewPlan("run-cgate",
            [ConfigMap("earlier")],
            [ConfigMap("c1"), Noop("a1", "node-a"), ConfigMap("c2"), ApiGate("api")],
            [Noop("later", "node-b")]);

        var (result, journal, output) = await ApplyAsync("run-cgate", plan);
        using var _ = journal;

        Assert.False(result.Succeeded);
        Assert.Equal(["c2", "c1"], _cluster.RolledBack);
        Assert.Contains("gate 'api' on the cluster failed: api failed on purpose", result.Message, StringComparison.Ordinal);
        Assert.Contains("Rolled back on the cluster: c2, c1.", result.Message, StringComparison.Ordinal);
        Assert.Contains("kubeha apply --resume run-cgate", result.Message, StringComparison.Ordinal);
        var steps = journal.Steps("run-cgate");
        Assert.Equal(StepState.RolledBack, steps["c1"].State);
        Assert.Equal(StepState.RolledBack, steps["c2"].State);
        // The gate concerns the cluster, not node-a: node-a's step and the earlier phase stay.
        Assert.Equal(StepState.Succeeded, steps["a1"].State);
        Assert.Equal(StepState.Succeeded, steps["earlier"].State);
        Assert.Equal(StepState.Pending, steps["later"].State);
        Assert.Contains("[cluster] cluster-info c2: rolled back", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NodesReadyGateFails_ThatNodesStepsAndClusterStepsRolledBack()
    {
        _cluster.FailRun.Add("a.ready");
        var plan = NewPlan("run-ready",
            [Noop("b1", "node-b"), Noop("a1", "node-a"), Noop("a2", "node-a"), ConfigMap("c1"), NodesReady("a.ready", "node-a")]);

        var (result, journal, _) = await ApplyAsync("run-ready", plan);
        using var __ = journal;

        Assert.False(result.Succeeded);
        Assert.Contains("Rolled back on node 'node-a': a2, a1; on the cluster: c1.", result.Message, StringComparison.Ordinal);
        var steps = journal.Steps("run-ready");
        Assert.Equal(StepState.RolledBack, steps["a1"].State);
        Assert.Equal(StepState.RolledBack, steps["a2"].State);
        Assert.Equal(StepState.Succeeded, steps["b1"].State);
        Assert.Equal(["c1"], _cluster.RolledBack);
    }

    [Fact]
    public async Task Apply_ClusterStepFails_ItAndEarlierClusterStepsRolledBack()
    {
        _cluster.FailRun.Add("c2");
        var plan = NewPlan("run-cstep", [ConfigMap("c1"), ConfigMap("c2"), ConfigMap("c3")]);

        var (result, journal, _) = await ApplyAsync("run-cstep", plan);
        using var _ = journal;

        Assert.False(result.Succeeded);
        Assert.Contains("step 'c2' on the cluster failed", result.Message, StringComparison.Ordinal);
        // A failed change may have written part of itself: it is rolled back too (its runner puts back what it saved).
        Assert.Equal(["c2", "c1"], _cluster.RolledBack);
        Assert.Equal(["c1", "c2"], _cluster.Ran);
    }

    [Fact]
    public async Task Apply_AgentStepFails_ClusterStepsOfPhaseKept()
    {
        var failing = Noop("a-bad", "node-a");
        failing.Agent.Noop.ProgressEvents = -1;
        var plan = NewPlan("run-agent", [ConfigMap("c1"), Noop("a1", "node-a"), failing]);

        var (result, journal, _) = await ApplyAsync("run-agent", plan);
        using var _ = journal;

        Assert.False(result.Succeeded);
        Assert.Contains("Rolled back on that node: a1.", result.Message, StringComparison.Ordinal);
        Assert.Empty(_cluster.RolledBack);
        Assert.Equal(StepState.Succeeded, journal.Steps("run-agent")["c1"].State);
    }

    [Fact]
    public async Task Apply_ClusterRollbackFails_MessageNamesWhatWasNotRolledBack()
    {
        _cluster.FailRun.Add("api");
        _cluster.FailRollback.Add("c1");
        var plan = NewPlan("run-rbfail", [ConfigMap("c1"), ConfigMap("c2"), ApiGate("api")]);

        var (result, journal, output) = await ApplyAsync("run-rbfail", plan);
        using var _ = journal;

        Assert.Contains("Rolled back on the cluster: c2.", result.Message, StringComparison.Ordinal);
        Assert.Contains("Could NOT roll back: c1 on the cluster: rollback of c1: conflict on purpose", result.Message, StringComparison.Ordinal);
        Assert.Equal(StepState.Succeeded, journal.Steps("run-rbfail")["c1"].State);
        Assert.Contains(journal.Events("run-rbfail"), e => e.StepId == "c1" && e.Kind == "RollbackFailed");
        Assert.Contains("[cluster] cluster-info c1: ROLLBACK FAILED: rollback of c1: conflict on purpose", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_AfterClusterGateRollback_RunsRolledBackStepsAgainAsNewAttempts()
    {
        _cluster.FailRun.Add("api");
        var plan = NewPlan("run-again", [ConfigMap("c1"), Noop("a1", "node-a"), ApiGate("api")]);
        var (first, journal, _) = await ApplyAsync("run-again", plan);
        using var _ = journal;
        Assert.False(first.Succeeded);

        _cluster.FailRun.Clear();
        await using var pool = Pool();
        var resumed = await new PlanExecutor(journal, pool, _cluster, new LineProgress(TextWriter.Null), TimeProvider.System).ResumeAsync("run-again", CancellationToken.None);

        Assert.True(resumed.Succeeded, resumed.Message);
        var steps = journal.Steps("run-again");
        Assert.Equal(2, steps["c1"].Attempt);
        Assert.Equal(1, steps["a1"].Attempt);
        Assert.Equal(["c1", "api", "c1", "api"], _cluster.Ran);
    }

    [Fact]
    public async Task Apply_LiveView_FinalScreenShowsSummaryFailureAndRolledBackRows()
    {
        _cluster.FailRun.Add("api");
        var plan = NewPlan("run-live", [Noop("a0", "node-a"), Noop("b0", "node-b")], [ConfigMap("c1"), Noop("a1", "node-a"), ApiGate("api")]);
        using var journal = new RunJournal(_fixture.Temp.Combine("run-live"), TimeProvider.System);
        await using var pool = Pool();
        var screen = new StringWriter();
        using (var view = new TerminalProgress(screen, TimeProvider.System, () => 100, () => 30, colour: false))
        {
            await new PlanExecutor(journal, pool, _cluster, view, TimeProvider.System).ApplyAsync(plan, CancellationToken.None);
        }

        var lines = AnsiScreen.Replay(screen.ToString());

        Assert.Matches(@"^phase 1/2 p1: 2 steps, 0 changed, \d+ s$", lines[0]);
        Assert.Equal("FAILED [cluster] api ready api: failed: api failed on purpose", lines[1]);
        Assert.StartsWith("phase 'p2': gate 'api' on the cluster failed", lines[2], StringComparison.Ordinal);
        Assert.Matches(@"^apply run-live: FAILED in phase 2/2 p2 after \d+ s", lines[3]);
        Assert.Matches(@"^  cluster rolled back\s+2/2  cluster-info c1: restored c1$", lines[4]);
        Assert.Matches(@"^  node-a  ok\s+1/1  noop a1$", lines[5]);
        Assert.Equal(6, lines.Count);
    }
}
