using System.Text.RegularExpressions;
using KubeHa.Coordinator.Execution;
using KubeHa.Protos.Coordinator.V1;
using Microsoft.Extensions.Time.Testing;

namespace KubeHa.Coordinator.Tests.Execution;

public sealed partial class TerminalProgressTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly StringWriter _out = new();

    private static PlannedStep Step(string id, string node) => new() { Id = id, Node = node, Description = $"do {id}" };

    private static Phase Phase(string name, params PlannedStep[] steps)
    {
        var phase = new Phase { Name = name, Description = $"the {name} phase" };
        phase.Steps.AddRange(steps);
        return phase;
    }

    /// <summary>What a terminal shows after the output so far: the ANSI "up N lines, clear below" applied.</summary>
    private string Screen()
    {
        var lines = new List<string>();
        var text = _out.ToString();
        var at = 0;
        foreach (Match up in CursorUp().Matches(text))
        {
            lines.AddRange(text[at..up.Index].Split('\n', StringSplitOptions.RemoveEmptyEntries));
            var n = int.Parse(up.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            lines.RemoveRange(lines.Count - n, n);
            at = up.Index + up.Length;
        }

        lines.AddRange(text[at..].Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return string.Join('\n', lines);
    }

    [Fact]
    public void Steps_OnTwoNodes_OneLineEachWithCountsStateAndLatestMessage()
    {
        var a1 = Step("a1", "master-1");
        var a2 = Step("a2", "master-1");
        var w1 = Step("w1", "worker-1");
        var lb = Phase("lb", a1, a2, w1);
        using var view = new TerminalProgress(_out, 100, _time);

        view.PhaseStarted(3, 9, lb);
        view.StepStarted(lb, a1, 1);
        view.StepFinished(lb, a1, StepState.Succeeded, changed: true, "");
        view.StepStarted(lb, a2, 1);
        view.StepStarted(lb, w1, 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        view.StepProgress(a2, "probe attempt 2/30");
        _time.Advance(TerminalProgress.Interval);

        var screen = Screen();
        Assert.Contains("phase 3/9 lb (1 s; run 1 s): the lb phase", screen, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  master-1\s+1/2\s+running\s+do a2 \| probe attempt 2/30$", screen);
        Assert.Matches(@"(?m)^  worker-1\s+0/1\s+running\s+do w1$", screen);
        Assert.Equal(3, screen.Split('\n').Length);
    }

    [Fact]
    public void PhaseStarted_AfterAPhase_CollapsesItIntoOneSummaryLineAboveTheLiveBlock()
    {
        var a1 = Step("a1", "master-1");
        var c1 = Step("c1", "");
        var first = Phase("certs", a1);
        var second = Phase("cluster-config", c1);
        using var view = new TerminalProgress(_out, 100, _time);

        view.PhaseStarted(1, 2, first);
        view.StepStarted(first, a1, 1);
        _time.Advance(TimeSpan.FromSeconds(41));
        view.StepFinished(first, a1, StepState.Succeeded, changed: true, "");
        view.PhaseStarted(2, 2, second);
        view.StepStarted(second, c1, 1);

        var lines = Screen().Split('\n');
        Assert.Equal("phase 1/2 certs: 1 step(s), 1 changed, 41 s", lines[0]);
        Assert.StartsWith("phase 2/2 cluster-config", lines[1], StringComparison.Ordinal);
        Assert.Matches(@"^  cluster\s+0/1\s+running\s+do c1$", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void StepFinished_Failed_KeepsTheFailureAboveAndDisposeLeavesTheFinalSummary()
    {
        var a1 = Step("a1", "master-1");
        var phase = Phase("certs", a1);
        var view = new TerminalProgress(_out, 100, _time);

        view.PhaseStarted(4, 9, phase);
        view.StepStarted(phase, a1, 1);
        view.StepFinished(phase, a1, StepState.Failed, changed: false, "gate failed: certificate not valid for 10.77.1.100");
        view.StepFinished(phase, a1, StepState.RolledBack, changed: false, "");
        view.Message("phase 'certs': gate failed");
        view.Dispose();

        var lines = Screen().Split('\n');
        Assert.Equal("  FAILED [master-1] do a1: gate failed: certificate not valid for 10.77.1.100", lines[0]);
        Assert.Equal("  rolled back [master-1] do a1", lines[1]);
        Assert.Equal("phase 'certs': gate failed", lines[2]);
        Assert.Equal("phase 4/9 certs: 0 step(s), 0 changed, 1 node(s) failed, 0 s", lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public void StepProgress_ManyWithinTheInterval_RedrawnOnceThenByTheTimer()
    {
        var a1 = Step("a1", "master-1");
        var phase = Phase("lb", a1);
        using var view = new TerminalProgress(_out, 100, _time);
        view.PhaseStarted(1, 1, phase);
        view.StepStarted(phase, a1, 1);
        var frames = Frames();

        for (var i = 0; i < 50; i++)
        {
            view.StepProgress(a1, $"message {i}");
        }

        Assert.Equal(frames, Frames());
        _time.Advance(TerminalProgress.Interval);
        Assert.Equal(frames + 1, Frames());
        Assert.Contains("| message 49", Screen(), StringComparison.Ordinal);
    }

    [Fact]
    public void LongLine_CutToTheWidth_SoTheTerminalDoesNotWrapIt()
    {
        var a1 = Step("a1", "master-1");
        var phase = Phase("lb", a1);
        using var view = new TerminalProgress(_out, 50, _time);
        view.PhaseStarted(1, 1, phase);
        view.StepStarted(phase, a1, 1);
        view.StepProgress(a1, new string('x', 300));
        _time.Advance(TerminalProgress.Interval);

        Assert.All(Screen().Split('\n'), line => Assert.True(line.Length < 50, line));
    }

    private int Frames() => CursorUp().Count(_out.ToString());

    [GeneratedRegex(@"\x1b\[(\d+)F\x1b\[J")]
    private static partial Regex CursorUp();
}
