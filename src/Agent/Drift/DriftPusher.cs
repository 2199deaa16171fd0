using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using KubeHa.Agent.Configuration;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeHa.Agent.Drift;

/// <summary>
/// Sends buffered drift reports, oldest first, to the collector (`kubeha serve`) over mutual
/// TLS with the agent's certificate. Failures back off exponentially and never hold up the
/// agent: reports simply wait in the outbox, across restarts.
/// </summary>
internal sealed partial class DriftPusher(AgentOptions options, DriftOutbox outbox, TimeProvider time, ILogger<DriftPusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Drift.Collector.Length == 0)
        {
            return;
        }

        using var channel = CreateChannel();
        var client = new DriftCollectorService.DriftCollectorServiceClient(channel);
        var delay = options.Drift.RetryBase;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var pending = outbox.Pending();
            if (pending.Count == 0)
            {
                await outbox.WaitAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            var (sequence, path) = pending[0];
            try
            {
                var report = DriftOutbox.Read(path);
                var response = await client.ReportDriftAsync(new ReportDriftRequest { Report = report },
                    deadline: time.GetUtcNow().UtcDateTime.AddSeconds(10), cancellationToken: stoppingToken).ConfigureAwait(false);
                outbox.Acknowledge(Math.Max(response.AcknowledgedSequence, sequence));
                if (failing)
                {
                    LogRecovered(logger, options.Drift.Collector);
                }

                failing = false;
                delay = options.Drift.RetryBase;
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    LogPushFailed(logger, options.Drift.Collector, e.Status.Detail);
                }

                failing = true;
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Drift.RetryMax.Ticks));
            }
            catch (Exception e) when (e is IOException or Google.Protobuf.InvalidProtocolBufferException)
            {
                // A damaged or vanished buffer file: drop it, keep going.
                LogBadBuffer(logger, path, e.Message);
                outbox.Acknowledge(sequence);
            }
        }
    }

    private GrpcChannel CreateChannel()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(options.CaFile));
        using var pem = X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);
        var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificates = [client],
                // Trust only the KubeHa CA and only a coordinator certificate; the name is not checked
                // (the coordinator's certificate need not carry the address the agent dials).
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    using var peer = cert is null ? null : new X509Certificate2(cert);
                    return PeerCertificateValidator.Validate(peer, ca, PeerCertificateValidator.ServerAuthOid, time) is null &&
                           KubeHaIdentity.HasOrganization(peer!, KubeHaIdentity.CoordinatorOrganization);
                },
            },
        };
        return GrpcChannel.ForAddress(options.Drift.Collector, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(500),
            MaxReconnectBackoff = options.Drift.RetryMax,
        });
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "drift collector {Collector} unreachable ({Detail}); reports stay buffered and are retried")]
    private static partial void LogPushFailed(ILogger logger, string collector, string detail);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "drift collector {Collector} reachable again; buffered reports delivered")]
    private static partial void LogRecovered(ILogger logger, string collector);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "drift buffer file {Path} unreadable ({Error}); dropped")]
    private static partial void LogBadBuffer(ILogger logger, string path, string error);
}
