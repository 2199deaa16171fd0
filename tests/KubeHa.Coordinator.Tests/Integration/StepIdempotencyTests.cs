using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Integration;

/// <summary>Submit, acknowledge, progress, result; resubmission across a real agent restart.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class StepIdempotencyTests : IDisposable
{
    private readonly AgentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static ExecuteStepRequest Noop(string step, int events = 3) => new()
    {
        RunId = "run-it",
        StepId = step,
        Mode = StepMode.Apply,
        Step = new StepSpec { Noop = new NoopAction { ProgressEvents = events, DelayMs = 10 } },
    };

    [Fact]
    public async Task ExecuteStep_Noop_AcknowledgedProgressAndSucceeded()
    {
        using var agent = _fixture.NewAgent("worker-1");
        await agent.StartAsync();
        await using var connection = _fixture.Connect("worker-1", agent.Address);
        var observer = new RecordingObserver();

        var result = await new StepSubmitter(TimeProvider.System).RunAsync(connection, Noop("s1"), observer, CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.False(result.Replayed);
        Assert.Equal(["submitted", "acknowledged", "progress", "progress", "progress", "finished"], observer.Events);
    }

    [Fact]
    public async Task ExecuteStep_ResubmittedAfterAgentRestart_ReplaysRecordedResultWithoutExecuting()
    {
        using var agent = _fixture.NewAgent("worker-2");
        await agent.StartAsync();
        StepResult first;
        await using (var connection = _fixture.Connect("worker-2", agent.Address))
        {
            first = await new StepSubmitter(TimeProvider.System).RunAsync(connection, Noop("s1"), NullStepObserver.Instance, CancellationToken.None);
            Assert.Equal(StepOutcome.Succeeded, first.Outcome);
            Assert.Contains("kubeha_agent_steps_executed_total{action=\"Noop\",outcome=\"Succeeded\"} 1", await agent.MetricsAsync(), StringComparison.Ordinal);
        }

        agent.Kill();
        await agent.StartAsync();
        await using (var connection = _fixture.Connect("worker-2", agent.Address))
        {
            var observer = new RecordingObserver();
            var again = await new StepSubmitter(TimeProvider.System).RunAsync(connection, Noop("s1"), observer, CancellationToken.None);

            Assert.Equal(StepOutcome.Succeeded, again.Outcome);
            Assert.True(again.Replayed);
            Assert.Equal(first.StartedAt, again.StartedAt);
            Assert.DoesNotContain("progress", observer.Events);
            Assert.DoesNotContain("kubeha_agent_steps_executed_total{", await agent.MetricsAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ExecuteStep_SameIdDifferentRequest_Refused()
    {
        using var agent = _fixture.NewAgent("worker-3");
        await agent.StartAsync();
        await using var connection = _fixture.Connect("worker-3", agent.Address);
        var submitter = new StepSubmitter(TimeProvider.System);
        await submitter.RunAsync(connection, Noop("s1", events: 1), NullStepObserver.Instance, CancellationToken.None);

        var other = await submitter.RunAsync(connection, Noop("s1", events: 2), NullStepObserver.Instance, CancellationToken.None);

        Assert.Equal(StepOutcome.Refused, other.Outcome);
        Assert.Contains("already used for a different request", other.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteStep_InvalidStepId_RefusedWithReason()
    {
        using var agent = _fixture.NewAgent("worker-4");
        await agent.StartAsync();
        await using var connection = _fixture.Connect("worker-4", agent.Address);

        var result = await new StepSubmitter(TimeProvider.System).RunAsync(connection, Noop("../escape"), NullStepObserver.Instance, CancellationToken.None);

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("invalid step id", result.Reason, StringComparison.Ordinal);
    }

    private sealed class RecordingObserver : IStepObserver
    {
        public List<string> Events { get; } = [];

        public ValueTask SubmittedAsync(AgentEndpoint agent, ExecuteStepRequest request) { Events.Add("submitted"); return ValueTask.CompletedTask; }
        public ValueTask AcknowledgedAsync(AgentEndpoint agent, StepAccepted accepted) { Events.Add("acknowledged"); return ValueTask.CompletedTask; }
        public ValueTask ProgressAsync(AgentEndpoint agent, ExecuteStepRequest request, StepProgress progress) { Events.Add("progress"); return ValueTask.CompletedTask; }
        public ValueTask FinishedAsync(AgentEndpoint agent, StepResult result) { Events.Add("finished"); return ValueTask.CompletedTask; }
    }
}
