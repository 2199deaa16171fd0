using System.Globalization;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution.Progress;

/// <summary>The live state of one phase (being applied or rolled back): a row per node and the phase's counts.</summary>
internal sealed class PhaseBoard
{
    private const string Cluster = "cluster";
    private const int StateWidth = 11;
    private readonly Dictionary<string, NodeRow> _rows = new(StringComparer.Ordinal);
    private readonly List<NodeRow> _order = [];
    private readonly HashSet<string> _counted = new(StringComparer.Ordinal);

    public PhaseBoard(int index, int count, Phase phase, bool rollback, IEnumerable<PlannedStep> steps, DateTimeOffset started)
    {
        Index = index;
        Count = count;
        Name = ScreenText.Clean(phase.Name);
        Rollback = rollback;
        Started = started;
        foreach (var step in steps)
        {
            Include(step);
        }
    }

    public int Index { get; }
    public int Count { get; }
    public string Name { get; }
    public bool Rollback { get; }
    public DateTimeOffset Started { get; }
    public int Steps => _counted.Count;
    public int Changed { get; set; }
    public int Failed { get; set; }
    public int Skipped { get; set; }
    public int RolledBack { get; set; }

    public string Title => string.Create(CultureInfo.InvariantCulture, $"phase {Index}/{Count} {Name}");

    public static string NodeOf(PlannedStep step) => step.Node.Length > 0 ? ScreenText.Clean(step.Node) : Cluster;

    /// <summary>The row of <paramref name="step"/>'s node; a step this phase did not list (a source step run again for its outputs) is counted in.</summary>
    public NodeRow Row(PlannedStep step)
    {
        Include(step);
        return _rows[NodeOf(step)];
    }

    private void Include(PlannedStep step)
    {
        var node = NodeOf(step);
        if (!_rows.TryGetValue(node, out var row))
        {
            row = new NodeRow(node);
            _rows[node] = row;
            _order.Add(row);
        }

        if (_counted.Add(step.Id))
        {
            row.Total++;
        }
    }

    /// <summary>The line a finished phase collapses into: "phase 3/9 lb: 6 steps, 4 changed, 41 s".</summary>
    public string Summary(DateTimeOffset now)
    {
        var parts = new List<string>();
        if (Rollback)
        {
            parts.Add(Steps == 0 ? "nothing to undo" : string.Create(CultureInfo.InvariantCulture, $"{RolledBack} of {Steps} step(s) rolled back"));
        }
        else
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{Steps} steps"));
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{Changed} changed"));
            AddIf(parts, Skipped, "already done");
            AddIf(parts, RolledBack, "rolled back");
        }

        AddIf(parts, Failed, "failed");
        parts.Add(ScreenText.Duration(now - Started));
        return $"{(Rollback ? "rolled back " : string.Empty)}{Title}: {string.Join(", ", parts)}";
    }

    private static void AddIf(List<string> parts, int n, string what)
    {
        if (n > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{n} {what}"));
        }
    }

    /// <summary>
    /// The node lines, each cut to <paramref name="width"/> columns; at most <paramref name="maxRows"/>
    /// of them, the busy and failed nodes first, then a line counting the others.
    /// </summary>
    public IReadOnlyList<string> Lines(int width, int maxRows, bool colour)
    {
        var shown = _order;
        var hidden = 0;
        if (_order.Count > maxRows)
        {
            var keep = Math.Max(1, maxRows - 1);
            var picked = _order.OrderBy(r => Priority(r.State)).Take(keep).ToHashSet();
            shown = [.. _order.Where(picked.Contains)];
            hidden = _order.Count - shown.Count;
        }

        var nameWidth = Math.Min(24, shown.Count == 0 ? 0 : shown.Max(r => r.Name.Length));
        var lines = new List<string>(shown.Count + 1);
        foreach (var row in shown)
        {
            var name = ScreenText.Fit(row.Name, nameWidth).PadRight(nameWidth);
            var counts = string.Create(CultureInfo.InvariantCulture, $"{row.Done}/{row.Total}").PadLeft(5);
            var word = ScreenText.Word(row.State);
            var head = $"  {name} {word.PadRight(StateWidth)} {counts}  ";
            var tail = row.Message.Length > 0 ? $"{row.Step}: {row.Message}" : row.Step;
            var room = width - head.Length;
            if (room < 0)
            {
                lines.Add(ScreenText.Fit(head, width));
                continue;
            }

            var painted = $"  {name} {ScreenText.Paint(word, ScreenText.Colour(row.State), colour)}{new string(' ', StateWidth - word.Length)} {counts}  ";
            lines.Add(painted + ScreenText.Fit(tail, room));
        }

        if (hidden > 0)
        {
            lines.Add(ScreenText.Fit(string.Create(CultureInfo.InvariantCulture, $"  ... and {hidden} more node(s): {Tally(_order.Except(shown))}"), width));
        }

        return lines;
    }

    private static int Priority(RowState state) => state switch
    {
        RowState.Failed => 0,
        RowState.Running => 1,
        RowState.RolledBack => 2,
        RowState.Changed or RowState.Ok => 3,
        RowState.Waiting => 4,
        _ => 5,
    };

    private static string Tally(IEnumerable<NodeRow> rows) =>
        string.Join(", ", rows.GroupBy(r => r.State).OrderBy(g => g.Key).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {ScreenText.Word(g.Key)}")));
}
