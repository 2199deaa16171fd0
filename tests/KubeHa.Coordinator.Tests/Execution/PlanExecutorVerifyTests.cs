using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Tests.Integration;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Execution;

/// <summary>Verification steps (agent dry runs that must pass or must change nothing) against a real agent.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class PlanExecutorVerifyTests : IAsyncLifetime
{
    private readonly AgentFixture _fixture = new();
    private AgentProcess _agent = null!;

    public async Task InitializeAsync()
    {
        _agent = _fixture.NewAgent("node-a");
        await _agent.StartAsync();
    }

    public Task DisposeAsync()
    {
        _agent.Dispose();
        _fixture.Dispose();
        return Task.CompletedTask;
    }

    private PlannedStep Hosts(string id, string ip, StepVerify verify = StepVerify.Unspecified) => new()
    {
        Id = id,
        Node = "node-a",
        Description = id,
        Gate = verify != StepVerify.Unspecified,
        Verify = verify,
        Agent = new StepSpec
        {
            HostsBlock = new HostsBlockAction { Path = Path.Combine(_agent.Root, "hosts"), Entries = { new HostsEntry { Ip = ip, Names = { "api.k8s.local" } } } },
        },
    };

    [Fact]
    public async Task Apply_VerifyUnchanged_PassesWhenStateIsAsWantedFailsNamingTheFileOtherwiseAndRollsBack()
    {
        await File.WriteAllTextAsync(Path.Combine(_agent.Root, "hosts"), "127.0.0.1 localhost\n");
        using var journal = new RunJournal(_fixture.Temp.Combine("j"), TimeProvider.System);
        var (client, ca) = _fixture.Pki.LoadCoordinatorIdentity();
        await using var pool = new AgentPool([new AgentEndpoint("node-a", _agent.Address)], client, ca, new AgentConnectionOptions(), TimeProvider.System);
        var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(TextWriter.Null), TimeProvider.System);
        var phase = new Phase { Name = "p", Description = "p" };
        phase.Steps.AddRange([Hosts("set", "127.0.0.1"), Hosts("same", "127.0.0.1", StepVerify.Unchanged), Hosts("other", "10.0.0.9", StepVerify.Unchanged)]);
        var plan = new Plan { RunId = "run-verify", Cluster = "t", Phases = { phase } };

        var result = await executor.ApplyAsync(plan, CancellationToken.None);

        var steps = journal.Steps("run-verify");
        Assert.Equal(StepState.Succeeded, steps["same"].State);
        Assert.Equal(StepState.Failed, steps["other"].State);
        Assert.False(result.Succeeded);
        Assert.Contains("hosts would change", result.Message, StringComparison.Ordinal);
        // The failed check is a gate: the node's step of the phase is rolled back, and the
        // verification itself, a dry run, never wrote its address.
        Assert.Equal(StepState.RolledBack, steps["set"].State);
        Assert.Equal("127.0.0.1 localhost\n", await File.ReadAllTextAsync(Path.Combine(_agent.Root, "hosts")));
    }
}
