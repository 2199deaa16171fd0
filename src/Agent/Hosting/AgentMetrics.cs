using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Hosting;

/// <summary>
/// The agent's Prometheus metrics, rendered in the text exposition format on the health
/// endpoint's /metrics. A handful of counters does not justify a metrics library in a
/// trimmed, AOT-compatible binary.
/// </summary>
internal sealed class AgentMetrics
{
    private readonly ConcurrentDictionary<(string Action, string Outcome), long> _steps = new();
    private readonly ConcurrentDictionary<string, (long Count, double Sum)> _durations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _driftItems = new(StringComparer.Ordinal);
    private long _lastCheckUnix;

    public void StepExecuted(string action, StepOutcome outcome, TimeSpan duration)
    {
        _steps.AddOrUpdate((action, outcome.ToString()), 1, (_, v) => v + 1);
        _durations.AddOrUpdate(action, (1, duration.TotalSeconds), (_, v) => (v.Count + 1, v.Sum + duration.TotalSeconds));
    }

    public void SetDrift(IReadOnlyDictionary<string, long> itemsByKind, DateTimeOffset checkedAt)
    {
        foreach (var key in _driftItems.Keys.Except(itemsByKind.Keys).ToList())
        {
            _driftItems[key] = 0;
        }

        foreach (var (kind, count) in itemsByKind)
        {
            _driftItems[kind] = count;
        }

        Interlocked.Exchange(ref _lastCheckUnix, checkedAt.ToUnixTimeSeconds());
    }

    public long StepsExecuted => _steps.Values.Sum();

    public string Render()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# HELP kubeha_agent_steps_executed_total Steps executed (not replayed), by action and outcome.\n");
        sb.Append("# TYPE kubeha_agent_steps_executed_total counter\n");
        foreach (var ((action, outcome), count) in _steps.OrderBy(k => k.Key.Action, StringComparer.Ordinal))
        {
            sb.Append(inv, $"kubeha_agent_steps_executed_total{{action=\"{action}\",outcome=\"{outcome}\"}} {count}\n");
        }

        sb.Append("# HELP kubeha_agent_step_duration_seconds Duration of executed steps.\n");
        sb.Append("# TYPE kubeha_agent_step_duration_seconds summary\n");
        foreach (var (action, (count, sum)) in _durations.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.Append(inv, $"kubeha_agent_step_duration_seconds_count{{action=\"{action}\"}} {count}\n");
            sb.Append(inv, $"kubeha_agent_step_duration_seconds_sum{{action=\"{action}\"}} {sum:0.######}\n");
        }

        sb.Append("# HELP kubeha_agent_drift_items Open drift items, by kind.\n");
        sb.Append("# TYPE kubeha_agent_drift_items gauge\n");
        foreach (var (kind, count) in _driftItems.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.Append(inv, $"kubeha_agent_drift_items{{kind=\"{kind}\"}} {count}\n");
        }

        sb.Append("# HELP kubeha_agent_last_drift_check_timestamp_seconds Time of the last drift check.\n");
        sb.Append("# TYPE kubeha_agent_last_drift_check_timestamp_seconds gauge\n");
        sb.Append(inv, $"kubeha_agent_last_drift_check_timestamp_seconds {Interlocked.Read(ref _lastCheckUnix)}\n");
        return sb.ToString();
    }
}
