using Serilog.Core;
using Serilog.Events;

namespace KubeHa.Agent.Hosting;

/// <summary>
/// Adds the syslog priority prefix journald understands on stdout ("&lt;3&gt;" for errors ...),
/// so `journalctl -p err -u kubeha-agent` filters correctly.
/// </summary>
internal sealed class SyslogLevelEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var priority = logEvent.Level switch
        {
            LogEventLevel.Fatal => 2,
            LogEventLevel.Error => 3,
            LogEventLevel.Warning => 4,
            LogEventLevel.Information => 6,
            _ => 7,
        };
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("SyslogPriority", priority));
    }
}
