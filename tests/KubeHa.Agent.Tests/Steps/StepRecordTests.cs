using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Steps;

/// <summary>
/// What the executor does with the step records it finds from an earlier agent process: an
/// interrupted step, a read-only step, records in the layout of earlier builds.
/// </summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class StepRecordTests : IDisposable
{
    private readonly TempDir _dir = new("kubeha-steprecords");

    public void Dispose() => _dir.Dispose();

    private static StepSpec Spec => new() { Noop = new NoopAction() };

    private static StepStore EarlierAgentStore(StepHarness runner) => new(runner.Options.StepsDir, TimeProvider.System);

    private static ExecuteStepRequest Request(StepHarness runner, string stepId) =>
        new() { RunId = StepHarness.RunId, StepId = stepId, Mode = StepMode.Apply, Step = Spec };

    [Fact]
    public async Task Apply_RequestRecordedNoResult_ReportedInterruptedNotRunAgain()
    {
        var action = new CountingAction(changesNode: true);
        using var runner = new StepHarness(_dir, action);
        EarlierAgentStore(runner).WriteRequest(Request(runner, "s1"), durable: true);

        var result = await runner.ApplyAsync(Spec, "s1");

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("interrupted", result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, action.Runs);
    }

    [Fact]
    public async Task Apply_ReadOnlyStepInterrupted_RunAgain()
    {
        var action = new CountingAction(changesNode: false);
        using var runner = new StepHarness(_dir, action);
        EarlierAgentStore(runner).WriteRequest(Request(runner, "s1"), durable: false);

        var result = await runner.ApplyAsync(Spec, "s1");

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal(1, action.Runs);
    }

    [Fact]
    public async Task Apply_ReadOnlyStepAfterAgentRestart_Replayed()
    {
        var action = new CountingAction(changesNode: false);
        using (var first = new StepHarness(_dir, action))
        {
            Assert.Equal(StepOutcome.Succeeded, (await first.ApplyAsync(Spec, "s1")).Outcome);
        }

        using var second = new StepHarness(_dir, action);
        var again = await second.ApplyAsync(Spec, "s1");

        Assert.True(again.Replayed);
        Assert.Equal(1, action.Runs);
    }

    [Fact]
    public async Task Apply_ReadOnlyActionWritesAFile_FailedAndNothingWritten()
    {
        var target = _dir.Combine("should-not-exist");
        using var runner = new StepHarness(_dir, new CountingAction(changesNode: false, write: target));

        var result = await runner.ApplyAsync(Spec);

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("read-only", result.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Apply_ResultRecordedByAnEarlierBuildAsOneFile_Replayed()
    {
        var action = new CountingAction(changesNode: true);
        string digest;
        string stepsDir;
        using (var before = new StepHarness(_dir, action))
        {
            // The digest the executor records for this request, from a run of it under another run id.
            digest = (await before.RunAsync(new ExecuteStepRequest { RunId = "other", StepId = "s1", Mode = StepMode.Apply, Step = Spec })).RequestSha256;
            stepsDir = before.Options.StepsDir;
        }

        // The layout of earlier builds: STATE/steps/RUN/STEP.result.
        var legacy = new StepResult { RunId = StepHarness.RunId, StepId = "old", Outcome = StepOutcome.Succeeded, RequestSha256 = digest, Reason = "from 0.1.0" };
        Directory.CreateDirectory(Path.Combine(stepsDir, StepHarness.RunId));
        await File.WriteAllBytesAsync(Path.Combine(stepsDir, StepHarness.RunId, "old.result"), Google.Protobuf.MessageExtensions.ToByteArray(legacy));
        using var after = new StepHarness(_dir, action);

        var again = await after.ApplyAsync(Spec, "old");

        Assert.True(again.Replayed);
        Assert.Equal("from 0.1.0", again.Reason);
        Assert.Equal(1, action.Runs);
    }

    /// <summary>A noop stand-in that counts its runs and can be declared read-only or not.</summary>
    private sealed class CountingAction(bool changesNode, string? write = null) : IStepAction
    {
        public int Runs { get; private set; }

        public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.Noop;

        public bool ChangesNode => changesNode;

        public Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
        {
            Runs++;
            if (write is not null)
            {
                context.Files.Write(write, [1, 2, 3], UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return Task.FromResult(ActionResult.Succeeded());
        }
    }
}
