using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeHa.Agent.Hosting;

/// <summary>
/// Sends <c>WATCHDOG=1</c> to systemd every half <c>WatchdogSec=</c>, which
/// Microsoft.Extensions.Hosting.Systemd does not do. The pings come from a thread-pool
/// timer, so an agent whose thread pool is stuck stops pinging and systemd restarts it.
/// Does nothing when the unit sets no watchdog.
/// </summary>
internal sealed partial class SystemdWatchdog(SystemdWatchdogSettings? settings, TimeProvider time, ILogger<SystemdWatchdog> logger)
    : BackgroundService
{
    private static readonly byte[] Ping = Encoding.ASCII.GetBytes("WATCHDOG=1");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings is null)
        {
            return;
        }

        // "@name" is an abstract socket (sd_notify(3)).
        var path = settings.SocketPath.StartsWith('@') ? "\0" + settings.SocketPath[1..] : settings.SocketPath;
        var endpoint = new UnixDomainSocketEndPoint(path);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        using var timer = new PeriodicTimer(settings.Interval, time);
        LogEnabled(logger, settings.Timeout.TotalSeconds, settings.Interval.TotalSeconds);
        var failing = false;
        do
        {
            try
            {
                await socket.SendToAsync(Ping, SocketFlags.None, endpoint, stoppingToken).ConfigureAwait(false);
                failing = false;
            }
            catch (SocketException e)
            {
                // Logged once per failure streak; systemd will act on the missing pings.
                if (!failing)
                {
                    LogFailed(logger, settings.SocketPath, e.Message);
                }

                failing = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "systemd watchdog: timeout {TimeoutSeconds} s, pinging every {IntervalSeconds} s")]
    private static partial void LogEnabled(ILogger logger, double timeoutSeconds, double intervalSeconds);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "systemd watchdog: cannot notify {Socket}: {Error}")]
    private static partial void LogFailed(ILogger logger, string socket, string error);
}
