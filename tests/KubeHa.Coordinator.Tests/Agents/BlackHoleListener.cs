using System.Net;
using System.Net.Sockets;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Agents;

/// <summary>
/// A TCP listener on loopback that accepts every connection and never answers: a client's TLS
/// handshake stalls until its own connect timeout gives up.
/// </summary>
internal sealed class BlackHoleListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public BlackHoleListener()
    {
        Port = FreePort.Next();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _loop = AcceptAsync();
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Connections accepted so far (each one a connect attempt by the client).</summary>
    public int Accepted
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _loop.Wait(TimeSpan.FromSeconds(5));
        lock (_accepted)
        {
            _accepted.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }
}
