using System.Globalization;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// What <see cref="TerminalProgress"/> shows for the current phase: per node (cluster steps as
/// "cluster") the steps done of those it has in the phase, the state of its latest step and that
/// step's latest message. Not thread-safe: the view holds its lock around every call.
/// </summary>
internal sealed class ProgressBoard(TimeProvider time)
{
    private readonly Dictionary<string, NodeProgress> _nodes = new(StringComparer.Ordinal);
    private readonly long _runStart = time.GetTimestamp();
    private Phase? _phase;
    private int _index;
    private int _count;
    private long _phaseStart;

    public static string NodeName(PlannedStep planned) => planned.Node.Length > 0 ? planned.Node : "cluster";

    public void StartPhase(int index, int count, Phase phase)
    {
        _phase = phase;
        _index = index;
        _count = count;
        _phaseStart = time.GetTimestamp();
        _nodes.Clear();
        foreach (var step in phase.Steps)
        {
            var name = NodeName(step);
            if (!_nodes.TryGetValue(name, out var node))
            {
                _nodes[name] = node = new NodeProgress(name);
            }

            node.Total++;
        }
    }

    public NodeProgress Node(PlannedStep planned)
    {
        var name = NodeName(planned);
        if (!_nodes.TryGetValue(name, out var node))
        {
            _nodes[name] = node = new NodeProgress(name) { Total = 1 };
        }

        return node;
    }

    /// <summary>The finished phase as one line, or null when none was under way.</summary>
    public string? FinishPhase()
    {
        if (_phase is null)
        {
            return null;
        }

        var steps = _nodes.Values.Sum(n => n.Done);
        var changed = _nodes.Values.Sum(n => n.Changed);
        var failed = _nodes.Values.Count(n => n.State is "FAILED" or "rolled back");
        var line = $"phase {_index}/{_count} {_phase.Name}: {steps} step(s), {changed} changed{(failed > 0 ? $", {failed} node(s) failed" : string.Empty)}, {Seconds(time.GetElapsedTime(_phaseStart))}";
        _phase = null;
        return line;
    }

    public List<string> Render()
    {
        if (_phase is null)
        {
            return [];
        }

        var lines = new List<string>
        {
            $"phase {_index}/{_count} {_phase.Name} ({Seconds(time.GetElapsedTime(_phaseStart))}; run {Seconds(time.GetElapsedTime(_runStart))}): {_phase.Description}",
        };
        var nameWidth = Math.Max(8, _nodes.Keys.Max(k => k.Length));
        foreach (var node in _nodes.Values)
        {
            var message = node.Message.Length > 0 ? " | " + node.Message : string.Empty;
            lines.Add($"  {node.Name.PadRight(nameWidth)} {node.Done,2}/{node.Total,-2} {node.State,-11} {node.Step}{message}");
        }

        return lines;
    }

    private static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";
}
