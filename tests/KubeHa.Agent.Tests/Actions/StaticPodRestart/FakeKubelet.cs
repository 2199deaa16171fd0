using System.Net;
using System.Net.Sockets;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Actions.StaticPodRestart;

/// <summary>
/// TEST DOUBLE for the kubelet's static pod handling (the real thing is exercised in the lab
/// tests): while the manifest exists and does not contain "broken", a "pod" listens on a
/// loopback port; a removed or broken manifest stops it. Polls every 50 ms.
/// </summary>
internal sealed class FakeKubelet : IAsyncDisposable
{
    private readonly string _manifest;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TcpListener? _pod;

    public FakeKubelet(string manifest)
    {
        _manifest = manifest;
        Port = FreePort.Next();

        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>How many times the pod was started.</summary>
    public int Starts { get; private set; }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var healthy = File.Exists(_manifest) && !File.ReadAllText(_manifest).Contains("broken", StringComparison.Ordinal);
            if (healthy && _pod is null)
            {
                _pod = new TcpListener(IPAddress.Loopback, Port);
                _pod.Start();
                Starts++;
            }
            else if (!healthy && _pod is not null)
            {
                _pod.Stop();
                _pod = null;
            }

            try
            {
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _pod?.Stop();
        _stop.Dispose();
    }
}
