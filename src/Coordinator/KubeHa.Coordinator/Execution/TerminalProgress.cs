using System.Globalization;
using System.Text;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// The live view of a run on a terminal: finished phases as one summary line each, failures and
/// messages kept above, and below them a block redrawn in place (ANSI cursor movement) with the
/// current phase and one line per node: its step count, state, current step and latest message.
/// Redraws at most every <see cref="Interval"/>, and every second for the elapsed times.
/// Dispose at the end of the run: it draws the final state and leaves it on screen.
/// </summary>
public sealed class TerminalProgress : IRunProgress, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _output;
    private readonly int _width;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly ProgressBoard _board;
    private readonly List<string> _pending = [];
    private int _drawnLines;
    private bool _dirty;
    private long _lastDraw;
    private bool _disposed;

    public TerminalProgress(TextWriter output, int width, TimeProvider time)
    {
        _output = output;
        _width = Math.Max(40, width);
        _time = time;
        _board = new ProgressBoard(time);
        _lastDraw = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Tick(), null, Interval, Interval);
    }

    public void PhaseStarted(int index, int count, Phase phase) => Update(() =>
    {
        var summary = _board.FinishPhase();
        if (summary is not null)
        {
            _pending.Add(summary);
        }

        _board.StartPhase(index, count, phase);
    }, now: true);

    public void StepStarted(Phase phase, PlannedStep planned, int attempt) =>
        Update(() => _board.Node(planned).Start(planned.Description + (attempt > 1 ? $" (attempt {attempt})" : string.Empty)), now: true);

    public void StepSkipped(Phase phase, PlannedStep planned, string why) =>
        Update(() => _board.Node(planned).Finish("skipped", planned.Description, why, changed: false), now: true);

    public void StepProgress(PlannedStep planned, string message) => Update(() => _board.Node(planned).Message = message, now: false);

    public void StepFinished(Phase phase, PlannedStep planned, StepState state, bool changed, string reason) => Update(() =>
    {
        var word = state switch
        {
            StepState.Succeeded => changed ? "changed" : "ok",
            StepState.RolledBack => "rolled back",
            StepState.Failed or StepState.Refused => "FAILED",
            _ => state.ToString().ToLowerInvariant(),
        };
        _board.Node(planned).Finish(word, planned.Description, reason, changed);
        if (state is StepState.Failed or StepState.Refused or StepState.RolledBack)
        {
            _pending.Add($"  {word} [{ProgressBoard.NodeName(planned)}] {planned.Description}{(reason.Length > 0 ? ": " + reason : string.Empty)}");
        }
    }, now: true);

    public void Message(string text) => Update(() => _pending.AddRange(text.Split('\n')), now: true);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer.Dispose();
            var summary = _board.FinishPhase();
            if (summary is not null)
            {
                _pending.Add(summary);
            }

            Draw(live: false);
        }
    }

    private void Update(Action change, bool now)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            change();
            _dirty = true;
            if (now || _time.GetElapsedTime(_lastDraw) >= Interval)
            {
                Draw(live: true);
            }
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            // Elapsed times move once a second even when nothing else happens.
            if (!_disposed && (_dirty || _time.GetElapsedTime(_lastDraw) >= TimeSpan.FromSeconds(1)))
            {
                Draw(live: true);
            }
        }
    }

    private void Draw(bool live)
    {
        var frame = new StringBuilder();
        if (_drawnLines > 0)
        {
            // Back to the first line of the live block, and clear from there down.
            frame.Append(CultureInfo.InvariantCulture, $"\x1b[{_drawnLines}F\x1b[J");
        }

        foreach (var line in _pending)
        {
            frame.Append(Fit(line)).Append('\n');
        }

        _pending.Clear();
        var block = live ? _board.Render() : [];
        foreach (var line in block)
        {
            frame.Append(Fit(line)).Append('\n');
        }

        _drawnLines = block.Count;
        _output.Write(frame.ToString());
        _output.Flush();
        _dirty = false;
        _lastDraw = _time.GetTimestamp();
    }

    /// <summary>One screen line: a longer one would wrap and break the cursor arithmetic.</summary>
    private string Fit(string line)
    {
        line = line.ReplaceLineEndings(" ");
        return line.Length < _width ? line : line[..(_width - 2)] + "…";
    }
}
