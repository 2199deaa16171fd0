using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using KubeHa.Agent.Configuration;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>
/// The latest drift report of this node, durable under STATE/drift/current.pb so that first-seen
/// times and the report sequence survive agent restarts. A check whose items differ from the
/// last report's becomes a new report with the next sequence.
/// </summary>
internal sealed class DriftState
{
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly string _file;
    private readonly Lock _gate = new();
    private DriftReport? _latest;
    private readonly string _epoch;

    public DriftState(AgentOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _file = Path.Combine(options.StateDir, "drift", "current.pb");
        _latest = File.Exists(_file) ? DriftReport.Parser.ParseFrom(File.ReadAllBytes(_file)) : null;
        _epoch = _latest?.Epoch is { Length: > 0 } e ? e : Guid.NewGuid().ToString("N");
    }

    /// <summary>Number of checks merged since the agent started.</summary>
    public long Checks { get; private set; }

    public DriftReport Current()
    {
        lock (_gate)
        {
            return _latest?.Clone() ?? new DriftReport
            {
                Node = _options.NodeName,
                Epoch = _epoch,
                CheckedAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            };
        }
    }

    /// <summary>Merges the items of a check done at <paramref name="checkedAt"/>.</summary>
    /// <returns>The new report when the open items changed, else null.</returns>
    public DriftReport? Merge(IReadOnlyList<DriftItem> items, DateTimeOffset checkedAt)
    {
        lock (_gate)
        {
            Checks++;
            var at = Timestamp.FromDateTimeOffset(checkedAt);
            var previous = _latest?.Items.ToDictionary(i => i.Id, StringComparer.Ordinal) ?? new Dictionary<string, DriftItem>(StringComparer.Ordinal);
            var merged = items.Select(i =>
            {
                var copy = i.Clone();
                copy.FirstSeen = previous.TryGetValue(i.Id, out var old) ? old.FirstSeen : at;
                return copy;
            }).ToList();

            if (_latest is not null && merged.Count == previous.Count && merged.All(m => previous.TryGetValue(m.Id, out var old) && old.Equals(m)))
            {
                _latest.CheckedAt = at;
                return null;
            }

            var report = new DriftReport { Node = _options.NodeName, Sequence = (_latest?.Sequence ?? 0) + 1, CheckedAt = at, Epoch = _epoch };
            report.Items.AddRange(merged);
            AtomicFile.WriteAllBytes(_file, report.ToByteArray(), AtomicFile.PrivateMode);
            _latest = report;
            return report.Clone();
        }
    }
}
