using System.Globalization;

namespace KubeHa.Agent.Hosting;

/// <summary>
/// What systemd tells a service with <c>WatchdogSec=</c>: the notification socket
/// (<c>NOTIFY_SOCKET</c>), the timeout (<c>WATCHDOG_USEC</c>) and the process it expects the
/// pings from (<c>WATCHDOG_PID</c>, absent or this process). See sd_watchdog_enabled(3).
/// </summary>
internal sealed record SystemdWatchdogSettings(string SocketPath, TimeSpan Timeout)
{
    /// <summary>sd_watchdog_enabled(3) asks for a ping at half the timeout.</summary>
    public TimeSpan Interval => Timeout / 2;

    /// <returns>The settings, or null when the watchdog is not enabled for this process.</returns>
    public static SystemdWatchdogSettings? FromEnvironment(Func<string, string?> getVariable, int processId)
    {
        var socket = getVariable("NOTIFY_SOCKET");
        var usec = getVariable("WATCHDOG_USEC");
        if (string.IsNullOrEmpty(socket) || string.IsNullOrEmpty(usec)
            || !long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0)
        {
            return null;
        }

        var pid = getVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid)
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var expected) || expected != processId))
        {
            // Inherited from a parent that systemd watches, not meant for us.
            return null;
        }

        return new SystemdWatchdogSettings(socket, TimeSpan.FromMicroseconds(microseconds));
    }
}
