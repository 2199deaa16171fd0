using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KubeHa.Lab.Kubelet;

/// <summary>The kubelet's healthz endpoint on 127.0.0.1:10248, which kubeadm polls.</summary>
internal sealed class HealthzServer(StandInOptions options, Log log)
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, options.HealthzPort);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            log.Error("healthz", $"cannot listen on 127.0.0.1:{options.HealthzPort}: {e.Message} (is another kubelet running on this node?)");
            return;
        }

        log.Info($"healthz on http://127.0.0.1:{options.HealthzPort}/healthz");
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
                _ = AnswerAsync(socket, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task AnswerAsync(Socket socket, CancellationToken cancellationToken)
    {
        using (socket)
        {
            try
            {
                var buffer = new byte[4096];
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                await socket.SendAsync(Response, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }
        }
    }
}
