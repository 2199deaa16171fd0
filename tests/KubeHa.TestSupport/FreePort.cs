using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KubeHa.TestSupport;

/// <summary>
/// Listening ports for test servers, taken below the kernel's ephemeral range: a port from that
/// range can be taken by any outgoing connection (a client retrying a stopped agent, say) while
/// its server is down, and the server then cannot listen on it again.
/// </summary>
public static class FreePort
{
    private const int Lowest = 10000;
    // A random start per test process keeps processes that run side by side apart.
    private static int _next = Lowest + Random.Shared.Next(0, 22000);

    /// <summary>A TCP port free on 127.0.0.1 right now, outside the ephemeral range.</summary>
    public static int Next()
    {
        var highest = EphemeralLow() - 1;
        for (var tries = 0; tries < highest - Lowest; tries++)
        {
            var port = Lowest + ((Interlocked.Increment(ref _next) - Lowest) % (highest - Lowest + 1));
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"no free TCP port on 127.0.0.1 between {Lowest} and {highest}");
    }

    private static int EphemeralLow()
    {
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return Math.Max(Lowest + 1000, int.Parse(text[0], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return 32768;
        }
    }
}
