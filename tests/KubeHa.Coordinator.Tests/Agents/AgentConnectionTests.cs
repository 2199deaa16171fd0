using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Tests.Integration;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Agents;

/// <summary>Transport failures of a real channel against a peer that never completes TLS.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class AgentConnectionTests : IDisposable
{
    private readonly AgentFixture _fixture = new();
    private readonly BlackHoleListener _blackHole = new();

    public void Dispose()
    {
        _blackHole.Dispose();
        _fixture.Dispose();
    }

    private AgentConnection Connect(int retries)
    {
        var (client, ca) = _fixture.Pki.LoadCoordinatorIdentity();
        return new AgentConnection(new AgentEndpoint("node-x", _blackHole.Address), client, ca,
            new AgentConnectionOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200), Retries = retries, RetryBaseDelay = TimeSpan.FromMilliseconds(50) },
            TimeProvider.System);
    }

    [Fact]
    public async Task GetNodeInfo_TlsHandshakeNeverCompletes_RetriesThenAgentUnavailable()
    {
        await using var connection = Connect(retries: 2);

        var e = await Assert.ThrowsAsync<AgentUnavailableException>(() => connection.GetNodeInfoAsync(CancellationToken.None));

        Assert.Contains("node-x", e.Message, StringComparison.Ordinal);
        Assert.Contains("after 3 attempt(s)", e.Message, StringComparison.Ordinal);
        Assert.True(_blackHole.Accepted >= 3, $"{_blackHole.Accepted} connection(s) accepted");
    }

    [Fact]
    public async Task ExecuteStep_TlsHandshakeNeverCompletes_AgentUnavailableNotCancelled()
    {
        await using var connection = Connect(retries: 1);
        var request = new ExecuteStepRequest { RunId = "r", StepId = "s", Mode = StepMode.Apply, Step = new StepSpec { Noop = new NoopAction() } };

        var e = await Assert.ThrowsAsync<AgentUnavailableException>(() =>
            new StepSubmitter(TimeProvider.System).RunAsync(connection, request, NullStepObserver.Instance, CancellationToken.None));

        Assert.Contains("unreachable after 2 attempt(s)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetNodeInfo_CallerCancels_OperationCanceled()
    {
        await using var connection = Connect(retries: 5);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.GetNodeInfoAsync(cts.Token));
    }

    [Fact]
    public async Task Apply_AgentTlsHandshakeNeverCompletes_StepJournaledFailedAndRunEndsCleanly()
    {
        using var journal = new RunJournal(_fixture.Temp.Combine("journal"), TimeProvider.System);
        var (client, ca) = _fixture.Pki.LoadCoordinatorIdentity();
        await using var pool = new AgentPool([new AgentEndpoint("node-x", _blackHole.Address)], client, ca,
            new AgentConnectionOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200), Retries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(50) }, TimeProvider.System);
        var phase = new Phase { Name = "p", Description = "p" };
        phase.Steps.Add(new PlannedStep { Id = "s1", Node = "node-x", Description = "noop", Agent = new StepSpec { Noop = new NoopAction() } });
        var plan = new Plan { RunId = "run-stall", Cluster = "test" };
        plan.Phases.Add(phase);

        var result = await new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(TextWriter.Null), TimeProvider.System)
            .ApplyAsync(plan, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("step 's1' on node 'node-x' failed: agent node-x", result.Message, StringComparison.Ordinal);
        Assert.Equal(StepState.Failed, journal.Steps("run-stall")["s1"].State);
        Assert.Contains("ConnectTimeout", journal.Steps("run-stall")["s1"].Reason, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, journal.Runs().Single().Status);
    }
}
