using Serilog;
using Serilog.Events;

namespace KubeHa.Agent.Hosting;

internal static class AgentLogging
{
    /// <summary>
    /// Serilog to stdout: syslog priority prefixes and no timestamps under systemd (journald adds
    /// its own), timestamps otherwise.
    /// </summary>
    public static Serilog.ILogger Create()
    {
        var underSystemd = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null ||
                           Environment.GetEnvironmentVariable("INVOCATION_ID") is not null;
        var template = underSystemd
            ? "<{SyslogPriority}>{SourceContext}: {Message:lj}{NewLine}{Exception}"
            : "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";
        return new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .Enrich.With(new SyslogLevelEnricher())
            .WriteTo.Console(outputTemplate: template, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
    }
}
