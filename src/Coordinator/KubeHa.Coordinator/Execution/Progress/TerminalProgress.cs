using System.Globalization;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution.Progress;

/// <summary>
/// A live view for a terminal, redrawn in place with ANSI escapes at most every
/// <see cref="Interval"/>: a header (run, phase k/n, elapsed time), then one line per node of
/// the current phase (step, state, latest message, steps done/total). A finished phase
/// collapses into one summary line; failures and messages are printed above the live block and
/// stay. At the end the final state is left on screen. Thread-safe.
/// </summary>
public sealed class TerminalProgress : IRunProgress, IDisposable
{
    /// <summary>The shortest time between two redraws (10 per second).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time;
    private readonly LiveFrame _frame;
    private readonly bool _colour;
    private readonly Lock _gate = new();
    private readonly List<string> _pending = [];
    private PhaseBoard? _board;
    private ITimer? _timer;
    private string _verb = "run";
    private string _runId = string.Empty;
    private DateTimeOffset _runStarted;
    private DateTimeOffset _lastDraw = DateTimeOffset.MinValue;
    private long _drawnSecond = -1;
    private bool _dirty;
    private string? _finalHeader;

    /// <param name="output">Where frames go (the terminal).</param>
    /// <param name="time">Clock of the elapsed times and the redraw timer.</param>
    /// <param name="width">Terminal columns, asked at every redraw.</param>
    /// <param name="height">Terminal rows, asked at every redraw; the live block never gets taller than fits.</param>
    /// <param name="colour">Colour the state words (off for NO_COLOR).</param>
    public TerminalProgress(TextWriter output, TimeProvider time, Func<int> width, Func<int> height, bool colour)
    {
        _time = time;
        _frame = new LiveFrame(output, width, height, colour);
        _colour = colour;
        _runStarted = time.GetUtcNow();
    }

    /// <summary>Frames drawn so far.</summary>
    public int Frames { get; private set; }

    public void RunStarted(Plan plan, string verb) => Update(() =>
    {
        _verb = ScreenText.Clean(verb);
        _runId = ScreenText.Clean(plan.RunId);
        _runStarted = _time.GetUtcNow();
        _finalHeader = null;
        _board = null;
        _timer?.Dispose();
        _timer = _time.CreateTimer(_ => Tick(), null, Interval, Interval);
    });

    public void PhaseStarted(int index, int count, Phase phase) => Update(() => NewBoard(new PhaseBoard(index, count, phase, false, phase.Steps, _time.GetUtcNow())));

    public void RollbackPhaseStarted(int index, int count, Phase phase, IReadOnlyList<PlannedStep> steps) =>
        Update(() => NewBoard(new PhaseBoard(index, count, phase, true, steps, _time.GetUtcNow())));

    public void StepStarted(Phase phase, PlannedStep planned, int attempt) => OnRow(planned, (_, row) =>
    {
        row.Step = ScreenText.Clean(planned.Description);
        row.State = RowState.Running;
        row.Message = attempt > 1 ? string.Create(CultureInfo.InvariantCulture, $"attempt {attempt}") : string.Empty;
    });

    public void StepSkipped(Phase phase, PlannedStep planned, string why) => OnRow(planned, (board, row) =>
    {
        board.Skipped++;
        row.Finish(planned.Id);
        row.Step = ScreenText.Clean(planned.Description);
        row.State = RowState.Skipped;
        row.Message = ScreenText.Clean(why);
    });

    public void StepProgress(PlannedStep planned, string message) => OnRow(planned, (_, row) => row.Message = ScreenText.Clean(message));

    public void StepFinished(Phase phase, PlannedStep planned, StepState state, bool changed, string reason) => OnRow(planned, (board, row) =>
    {
        var ok = state == StepState.Succeeded;
        row.Finish(planned.Id);
        row.Step = ScreenText.Clean(planned.Description);
        row.State = ok ? (changed ? RowState.Changed : RowState.Ok) : RowState.Failed;
        row.Message = ScreenText.Clean(reason);
        board.Changed += ok && changed ? 1 : 0;
        if (!ok)
        {
            board.Failed++;
            _pending.Add($"{ScreenText.Paint("FAILED", "31;1", _colour)} [{row.Name}] {row.Step}: {state.ToString().ToLowerInvariant()}{(row.Message.Length > 0 ? ": " + row.Message : string.Empty)}");
        }
    });

    public void StepRolledBack(PlannedStep planned, bool succeeded, string reason) => OnRow(planned, (board, row) =>
    {
        row.Step = ScreenText.Clean(planned.Description);
        reason = ScreenText.Clean(reason);
        if (board.Rollback)
        {
            row.Finish(planned.Id);
        }

        if (succeeded)
        {
            board.RolledBack++;
            row.State = RowState.RolledBack;
            row.Message = reason;
            return;
        }

        board.Failed++;
        row.State = RowState.Failed;
        row.Message = "rollback failed: " + reason;
        _pending.Add($"{ScreenText.Paint("ROLLBACK FAILED", "31;1", _colour)} [{row.Name}] {row.Step}: {reason}");
    });

    public void Message(string text) => Update(() => _pending.AddRange(text.Split('\n').Select(ScreenText.Clean)));

    public void RunFinished(RunResult result)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var total = ScreenText.Duration(now - _runStarted);
            if (result.Succeeded && _board is not null)
            {
                _pending.Add(_board.Summary(now));
                _board = null;
            }

            _finalHeader = result.Succeeded
                ? $"{_verb} {_runId}: done in {total}"
                : _board is null
                    ? $"{_verb} {_runId}: FAILED after {total}"
                    : $"{_verb} {_runId}: FAILED in {_board.Title} after {ScreenText.Duration(now - _board.Started)} (run {total})";
            Draw();
            _timer?.Dispose();
            _timer = null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            if (_dirty)
            {
                Draw();
            }
        }
    }

    private void NewBoard(PhaseBoard board)
    {
        if (_board is not null)
        {
            _pending.Add(_board.Summary(_time.GetUtcNow()));
        }

        _board = board;
    }

    private void OnRow(PlannedStep planned, Action<PhaseBoard, NodeRow> change) => Update(() =>
    {
        if (_board is not null)
        {
            change(_board, _board.Row(planned));
        }
    });

    /// <summary>Applies a change under the lock, then redraws at once unless the last frame is younger than <see cref="Interval"/>.</summary>
    private void Update(Action change)
    {
        lock (_gate)
        {
            change();
            _dirty = true;
            if (_finalHeader is null && _time.GetUtcNow() - _lastDraw >= Interval)
            {
                Draw();
            }
        }
    }

    /// <summary>The timer: draws what changed since the last frame, and once a second for the clock.</summary>
    private void Tick()
    {
        lock (_gate)
        {
            if (_finalHeader is null && (_dirty || (long)(_time.GetUtcNow() - _runStarted).TotalSeconds != _drawnSecond))
            {
                Draw();
            }
        }
    }

    private void Draw()
    {
        var now = _time.GetUtcNow();
        _frame.Draw(_pending, _finalHeader ?? Header(now), _board);
        _pending.Clear();
        _lastDraw = now;
        _drawnSecond = (long)(now - _runStarted).TotalSeconds;
        _dirty = false;
        Frames++;
    }

    private string Header(DateTimeOffset now) => _board is null
        ? $"{_verb} {_runId}: {ScreenText.Duration(now - _runStarted)}"
        : $"{_verb} {_runId}: {(_board.Rollback ? "rolling back " : string.Empty)}{_board.Title}, {ScreenText.Duration(now - _board.Started)} (run {ScreenText.Duration(now - _runStarted)})";
}
