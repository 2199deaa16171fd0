using Google.Protobuf.WellKnownTypes;
using KubeHa.Agent.Configuration;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>
/// The latest drift report of this node. Detection (desired state, inotify watch, rules)
/// is the drift issue's work; until then the agent reports an empty set, checked now.
/// </summary>
internal sealed class DriftState(AgentOptions options, TimeProvider time)
{
    private DriftReport? _latest;

    public DriftReport Current() => _latest ?? new DriftReport
    {
        Node = options.NodeName,
        CheckedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
    };

    public void Publish(DriftReport report) => _latest = report;
}
