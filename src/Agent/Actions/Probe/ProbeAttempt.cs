using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Agent.Steps;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Probe;

/// <summary>One probe attempt; every failure becomes a reason, nothing throws but cancellation.</summary>
internal static class ProbeAttempt
{
    /// <returns>null when the attempt passed, else the reason.</returns>
    public static async Task<string?> RunAsync(ProbeSettings s, StepContext context, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(s.Timeout, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string? tlsError = null;
        try
        {
            switch (s.Kind)
            {
                case ProbeKind.Tcp:
                    using (var tcp = new TcpClient())
                    {
                        await tcp.ConnectAsync(s.Host, s.Port, linked.Token).ConfigureAwait(false);
                    }

                    return null;
                case ProbeKind.Tls:
                    using (var tcp = new TcpClient())
                    {
                        await tcp.ConnectAsync(s.Host, s.Port, linked.Token).ConfigureAwait(false);
                        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
                        await tls.AuthenticateAsClientAsync(TlsOptions(s, context, e => tlsError = e), linked.Token).ConfigureAwait(false);
                    }

                    return null;
                default:
                    return await HttpsAsync(s, context, e => tlsError = e, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {s.Timeout.TotalMilliseconds} ms";
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or HttpRequestException)
        {
            return tlsError ?? Innermost(e);
        }
    }

    private static async Task<string?> HttpsAsync(ProbeSettings s, StepContext context, Action<string> onTlsError, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = TlsOptions(s, context, onTlsError),
            UseProxy = false,
            AllowAutoRedirect = false,
            // Connect to host:port but speak to server_name, so a name can be checked before DNS points at it.
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(s.Host, s.Port, ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var host = IPAddress.TryParse(s.ServerName, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{s.ServerName}]" : s.ServerName;
        using var response = await http.GetAsync(new Uri($"https://{host}:{s.Port}{s.Path}"), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        context.Outputs["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Outputs["body"] = body.Length > 200 ? body[..200] : body;
        return status == s.ExpectedStatus ? null : $"status {status}, expected {s.ExpectedStatus}: {(body.Length > 200 ? body[..200] : body).Trim()}";
    }

    private static SslClientAuthenticationOptions TlsOptions(ProbeSettings s, StepContext context, Action<string> onError) => new()
    {
        TargetHost = s.ServerName,
        ClientCertificates = s.ClientCertificate is null ? null : [s.ClientCertificate],
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            // Trust only the given CA; the name must be one of the certificate's SANs.
            var error = certificate is not X509Certificate2 cert
                ? "server presented no certificate"
                : PeerCertificateValidator.Validate(cert, s.Ca!, PeerCertificateValidator.ServerAuthOid, context.Time)
                    ?? (cert.MatchesHostname(s.ServerName) ? null
                        : $"server certificate is not valid for '{s.ServerName}' (SANs: {string.Join(", ", PeerCertificateValidator.SubjectAltNames(cert))})");
            if (error is not null)
            {
                onError(error);
            }

            return error is null;
        },
    };

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }
}
