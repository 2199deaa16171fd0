using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Execution.Progress;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Time.Testing;
using static KubeHa.Coordinator.Tests.Execution.Progress.ProgressSamples;

namespace KubeHa.Coordinator.Tests.Execution.Progress;

/// <summary>The live view fed a sequence of events; assertions on the screen its output leaves (replayed escapes).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class TerminalProgressTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly StringWriter _out = new();
    private int _width = 80;
    private int _height = 40;

    private TerminalProgress View(bool colour = false) => new(_out, _time, () => _width, () => _height, colour);

    private IReadOnlyList<string> Screen() => AnsiScreen.Replay(_out.ToString());

    private void Tick() => _time.Advance(TerminalProgress.Interval);

    [Fact]
    public void Render_PhaseRunning_HeaderAndOneLinePerNodeWithStepStateMessageAndCounts()
    {
        using var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        view.StepStarted(Lb, M1Config, 1);
        view.StepProgress(M1Config, "validating nginx.conf");
        _time.Advance(TimeSpan.FromSeconds(3));

        var screen = Screen();

        Assert.Equal(4, screen.Count);
        Assert.Equal("apply run-7: phase 1/2 lb, 3 s (run 3 s)", screen[0]);
        Assert.Matches(@"^  master-1 running\s+0/2  nginx config: validating nginx\.conf$", screen[1]);
        Assert.Matches(@"^  master-2 waiting\s+0/1  $", screen[2]);
        Assert.Matches(@"^  cluster  waiting\s+0/1  $", screen[3]);
    }

    [Fact]
    public void Render_StepsFinish_StatesAndCountsPerNode()
    {
        using var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        view.StepStarted(Lb, M1Config, 1);
        view.StepFinished(Lb, M1Config, StepState.Succeeded, true, string.Empty);
        view.StepSkipped(Lb, M2Config, "already done in this run");
        view.StepStarted(Lb, Gate, 2);
        Tick();

        var screen = Screen();

        Assert.Matches(@"^  master-1 changed\s+1/2  nginx config$", screen[1]);
        Assert.Matches(@"^  master-2 skipped\s+1/1  nginx config: already done in this run$", screen[2]);
        Assert.Matches(@"^  cluster  running\s+0/1  endpoint reaches the API server: attempt 2$", screen[3]);
    }

    [Fact]
    public void PhaseStarted_AfterAPhase_PreviousCollapsesIntoOneSummaryLine()
    {
        using var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        FinishLb(view);
        _time.Advance(TimeSpan.FromSeconds(41));
        view.PhaseStarted(2, 2, Certs);
        view.StepStarted(Certs, M1Cert, 1);
        Tick();

        var screen = Screen();

        Assert.Equal("phase 1/2 lb: 4 steps, 2 changed, 41 s", screen[0]);
        Assert.StartsWith("apply run-7: phase 2/2 certs, 0 s (run 41 s)", screen[1], StringComparison.Ordinal);
        Assert.Matches(@"^  master-1 running\s+0/1  apiserver\.crt re-issued$", screen[2]);
        Assert.Equal(3, screen.Count);
    }

    [Fact]
    public void StepFinished_Failed_FailureLinePrintedAboveBlockAndKept()
    {
        using var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        view.StepStarted(Lb, M1Config, 1);
        view.StepFinished(Lb, M1Config, StepState.Failed, false, "nginx -t: unknown directive");
        view.StepStarted(Lb, M2Config, 1);
        for (var i = 0; i < 5; i++)
        {
            view.StepProgress(M2Config, $"message {i}");
            Tick();
        }

        var screen = Screen();

        Assert.Equal("FAILED [master-1] nginx config: failed: nginx -t: unknown directive", screen[0]);
        Assert.Single(screen, l => l.Contains("unknown directive", StringComparison.Ordinal) && l.StartsWith("FAILED", StringComparison.Ordinal));
        Assert.StartsWith("apply run-7: phase 1/2 lb", screen[1], StringComparison.Ordinal);
        Assert.Matches(@"^  master-1 failed\s+1/2  nginx config: nginx -t: unknown directive$", screen[2]);
        Assert.Matches(@"^  master-2 running\s+0/1  nginx config: message 4$", screen[3]);
    }

    [Fact]
    public void Render_LongMessageNarrowTerminal_EveryLineFitsTheWidth()
    {
        _width = 40;
        using var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        view.StepStarted(Lb, M1Config, 1);
        view.StepProgress(M1Config, "waiting for /healthz on 10.77.0.11:10257 " + new string('x', 200) + "\u001b[2J\ttab");
        Tick();

        var screen = Screen();

        Assert.All(screen, l => Assert.True(l.Length <= 39, $"{l.Length}: {l}"));
        Assert.Matches(@"^  master-1 running\s+0/2  nginx \.\.\.$", screen[1]);
        Assert.DoesNotContain('\u001b', _out.ToString().Replace("\u001b[J", string.Empty, StringComparison.Ordinal).Replace("\r\u001b[", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void StepProgress_ManyEventsWithinOneInterval_AtMostOneFramePerInterval()
    {
        using var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        var framesBefore = view.Frames;
        view.StepStarted(Lb, M1Config, 1);
        view.StepStarted(Lb, M2Config, 1);
        Parallel.For(0, 2000, i => view.StepProgress(i % 2 == 0 ? M1Config : M2Config, $"event {i}"));
        // Which parallel event lands last is up to the scheduler; these two come after all of them.
        view.StepProgress(M1Config, "last of master-1");
        view.StepProgress(M2Config, "last of master-2");

        Assert.Equal(framesBefore, view.Frames);
        Tick();
        Assert.Equal(framesBefore + 1, view.Frames);
        Assert.Contains(Screen(), l => l.Contains("nginx config: last of master-1", StringComparison.Ordinal));
        Assert.Contains(Screen(), l => l.Contains("nginx config: last of master-2", StringComparison.Ordinal));
    }

    [Fact]
    public void Tick_NothingChanged_RedrawsOncePerSecondForTheClock()
    {
        using var view = View();
        view.RunStarted(Run7, "apply");
        view.PhaseStarted(1, 2, Lb);
        Tick();
        var frames = view.Frames;

        for (var i = 1; i < 31; i++)
        {
            Tick();
        }

        Assert.Equal(frames + 3, view.Frames);
        Assert.StartsWith("apply run-7: phase 1/2 lb, 3 s", Screen()[0], StringComparison.Ordinal);
    }
}
