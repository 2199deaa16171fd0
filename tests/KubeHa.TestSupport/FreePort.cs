using System.Net;
using System.Net.Sockets;

namespace KubeHa.TestSupport;

public static class FreePort
{
    /// <summary>A TCP port free on 127.0.0.1 right now.</summary>
    public static int Next()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
