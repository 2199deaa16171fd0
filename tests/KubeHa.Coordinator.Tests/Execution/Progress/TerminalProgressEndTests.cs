using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Execution.Progress;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Time.Testing;
using static KubeHa.Coordinator.Tests.Execution.Progress.ProgressSamples;

namespace KubeHa.Coordinator.Tests.Execution.Progress;

/// <summary>The live view's final screen, rollbacks, a block taller than the terminal, colours.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class TerminalProgressEndTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly StringWriter _out = new();
    private int _height = 40;

    private TerminalProgress View(bool colour = false) => new(_out, _time, () => 80, () => _height, colour);

    private IReadOnlyList<string> Screen() => AnsiScreen.Replay(_out.ToString());

    [Fact]
    public void RunFinished_Succeeded_EveryPhaseSummarisedThenDoneAndNoMoreFrames()
    {
        var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        FinishLb(view);
        _time.Advance(TimeSpan.FromSeconds(5));
        view.PhaseStarted(2, 2, Certs);
        view.StepStarted(Certs, M1Cert, 1);
        view.StepFinished(Certs, M1Cert, StepState.Succeeded, true, string.Empty);
        _time.Advance(TimeSpan.FromSeconds(60));
        view.Message("run run-7: all 2 phases done");
        view.RunFinished(new RunResult("run-7", true, string.Empty));
        var frames = view.Frames;
        var written = _out.ToString().Length;

        _time.Advance(TimeSpan.FromSeconds(10));
        view.Dispose();

        Assert.Equal(frames, view.Frames);
        Assert.Equal(written, _out.ToString().Length);
        Assert.Equal(
            ["phase 1/2 lb: 4 steps, 2 changed, 5 s", "run run-7: all 2 phases done", "phase 2/2 certs: 1 steps, 1 changed, 1 m 0 s", "apply run-7: done in 1 m 5 s"],
            Screen());
    }

    [Fact]
    public void RunFinished_Failed_FailedPhaseNodeLinesStayWithRollbackStates()
    {
        var view = View();
        view.RunStarted(Run7, "resume");
        view.PhaseStarted(1, 2, Lb);
        view.StepStarted(Lb, M1Config, 1);
        view.StepFinished(Lb, M1Config, StepState.Succeeded, true, string.Empty);
        view.StepStarted(Lb, M2Config, 1);
        view.StepFinished(Lb, M2Config, StepState.Succeeded, true, string.Empty);
        view.StepStarted(Lb, Gate, 1);
        _time.Advance(TimeSpan.FromSeconds(12));
        view.StepFinished(Lb, Gate, StepState.Failed, false, "connection refused");
        view.StepRolledBack(M1Config, true, string.Empty);
        view.Message("phase 'lb': gate 'lb.gate' on the cluster failed: connection refused.\nsecond line");
        view.RunFinished(new RunResult("run-7", false, "phase 'lb' failed"));

        var screen = Screen();

        Assert.Equal("FAILED [cluster] endpoint reaches the API server: failed: connection refused", screen[0]);
        Assert.Equal("phase 'lb': gate 'lb.gate' on the cluster failed: connection refused.", screen[1]);
        Assert.Equal("second line", screen[2]);
        Assert.Equal("resume run-7: FAILED in phase 1/2 lb after 12 s (run 12 s)", screen[3]);
        Assert.Matches(@"^  master-1 rolled back\s+1/2  nginx config$", screen[4]);
        Assert.Matches(@"^  master-2 changed\s+1/1  nginx config$", screen[5]);
        // Cut to the 79 usable columns of an 80-column terminal.
        Assert.Matches(@"^  cluster  failed\s+1/1  endpoint reaches the API server: connection re\.\.\.$", screen[6]);
        Assert.Equal(79, screen[6].Length);
        Assert.Equal(7, screen.Count);
    }

    [Fact]
    public void RollbackPhases_StepsUndone_RowsCountRolledBackAndPhasesCollapse()
    {
        var view = View();
        view.RunStarted(Run7, "rollback");
        view.RollbackPhaseStarted(1, 2, Certs, [M1Cert]);
        view.StepRolledBack(M1Cert, true, string.Empty);
        _time.Advance(TimeSpan.FromSeconds(2));
        view.RollbackPhaseStarted(2, 2, Lb, [M1Start, M1Config, M2Config]);
        view.StepRolledBack(M1Start, true, string.Empty);
        view.StepRolledBack(M2Config, false, "agent master-2 unreachable");
        _time.Advance(TimeSpan.FromMilliseconds(500));

        var screen = Screen();

        Assert.Equal("rolled back phase 1/2 certs: 1 of 1 step(s) rolled back, 2 s", screen[0]);
        Assert.Equal("ROLLBACK FAILED [master-2] nginx config: agent master-2 unreachable", screen[1]);
        Assert.StartsWith("rollback run-7: rolling back phase 2/2 lb, 0 s", screen[2], StringComparison.Ordinal);
        Assert.Matches(@"^  master-1 rolled back\s+1/2  nginx started$", screen[3]);
        Assert.Matches(@"^  master-2 failed\s+1/1  nginx config: rollback failed: agent master-2 \.\.\.$", screen[4]);

        view.RunFinished(new RunResult("run-7", false, "rollback incomplete"));
        Assert.StartsWith("rollback run-7: FAILED in phase 2/2 lb", Screen()[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MoreNodesThanTerminalRows_BlockFitsAndKeepsBusyAndFailedNodes()
    {
        _height = 8;
        var steps = Enumerable.Range(1, 20).Select(i => Step($"w{i}", $"worker-{i:00}", "kubelet kubeconfig")).ToArray();
        var phase = NewPhase("clients", steps);
        using var view = View();
        view.RunStarted(NewPlan("run-w", phase), "apply");
        view.PhaseStarted(1, 1, phase);
        for (var i = 0; i < 12; i++)
        {
            view.StepStarted(phase, steps[i], 1);
            view.StepFinished(phase, steps[i], StepState.Succeeded, true, string.Empty);
        }

        view.StepStarted(phase, steps[15], 1);
        view.StepStarted(phase, steps[17], 1);
        view.StepFinished(phase, steps[17], StepState.Failed, false, "kubelet not active");
        _time.Advance(TimeSpan.FromMilliseconds(200));

        var screen = Screen();
        var block = screen.SkipWhile(l => !l.StartsWith("apply run-w", StringComparison.Ordinal)).ToList();

        Assert.True(block.Count <= _height - 1, string.Join("\n", block));
        Assert.Contains(block, l => l.StartsWith("  worker-18 failed", StringComparison.Ordinal));
        Assert.Contains(block, l => l.StartsWith("  worker-16 running", StringComparison.Ordinal));
        Assert.Equal("  ... and 15 more node(s): 6 waiting, 9 changed", block[^1]);
    }

    [Fact]
    public void Render_Colour_SameScreenAsWithoutColourOnceStripped()
    {
        var plain = new StringWriter();
        var colourful = new StringWriter();
        foreach (var (writer, colour) in new[] { (plain, false), (colourful, true) })
        {
            using var view = new TerminalProgress(writer, new FakeTimeProvider(_time.GetUtcNow()), () => 80, () => 40, colour);
            view.RunStarted(Run7, "apply");
            view.PhaseStarted(1, 2, Lb);
            view.StepStarted(Lb, M1Config, 1);
            view.StepFinished(Lb, M1Config, StepState.Failed, false, "bad");
            view.RunFinished(new RunResult("run-7", false, "bad"));
        }

        Assert.Contains("\u001b[31;1mfailed\u001b[0m", colourful.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[31", plain.ToString(), StringComparison.Ordinal);
        Assert.Equal(AnsiScreen.Replay(plain.ToString()), AnsiScreen.Replay(colourful.ToString()));
        Assert.Equal(AnsiScreen.Strip(AnsiScreen.Replay(colourful.ToString())[1]), AnsiScreen.Replay(plain.ToString())[1]);
    }
}
