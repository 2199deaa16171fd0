using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using System.Runtime.CompilerServices;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Agents;

/// <summary>
/// One long-lived, mutually authenticated HTTP/2 channel to one agent, reused for every call
/// (a new mTLS channel per call costs about 100 times more), with keepalive pings and bounded
/// concurrency.
/// </summary>
public sealed class AgentConnection : IAsyncDisposable
{
    private static readonly ConditionalWeakTable<X509Certificate2, SslStreamCertificateContext> ClientContexts = [];

    private readonly GrpcChannel _channel;
    private readonly SemaphoreSlim _inFlight;
    private readonly AgentConnectionOptions _options;
    private readonly TimeProvider _time;
    private string? _certificateError;

    public AgentConnection(AgentEndpoint endpoint, X509Certificate2 clientCertificate, X509Certificate2 kubeHaCa, AgentConnectionOptions options, TimeProvider time)
    {
        Endpoint = endpoint;
        _options = options;
        _time = time;
        _inFlight = new SemaphoreSlim(options.MaxConcurrentCallsPerAgent);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                // One context per client certificate for every connection: given as
                // ClientCertificates, SslStream would build its chain on each handshake.
                ClientCertificateContext = ClientContexts.GetValue(clientCertificate, c => SslStreamCertificateContext.Create(c, additionalCertificates: null, offline: true)),
                CertificateChainPolicy = PeerCertificateValidator.TransportChainPolicy(kubeHaCa),
                // The agent's name is checked against the certificate's CN below, not the host name.
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    _certificateError = AgentCertificatePolicy.Validate(cert as X509Certificate2 ?? (cert is null ? null : new X509Certificate2(cert)), kubeHaCa, endpoint.Node, time);
                    return _certificateError is null;
                },
            },
        };
        _channel = GrpcChannel.ForAddress(endpoint.Uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
            // Reconnect soon after an agent restart; the default backoff grows to two minutes.
            // While the channel backs off, calls fail at once, so its longest backoff must fit in
            // the last retry delay: then a restarted agent is reached before the retries run out.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(200),
            MaxReconnectBackoff = options.MaxReconnectBackoff,
        });
        Client = new AgentService.AgentServiceClient(_channel);
    }

    public AgentEndpoint Endpoint { get; }

    public AgentService.AgentServiceClient Client { get; }

    /// <summary>Runs a call with bounded concurrency, retrying transport failures with backoff.</summary>
    public async Task<T> CallAsync<T>(Func<AgentService.AgentServiceClient, CallOptions, Task<T>> call, CancellationToken cancellationToken, bool retry = true)
    {
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var attempt = 0;
            while (true)
            {
                try
                {
                    var options = new CallOptions(cancellationToken: cancellationToken);
                    return await call(Client, options).ConfigureAwait(false);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException($"call to agent {Endpoint.Node} cancelled", e, cancellationToken);
                }
                catch (RpcException e) when (_certificateError is not null)
                {
                    throw new AgentUnavailableException($"agent {Endpoint.Node} at {Endpoint.Address}: refused its certificate: {_certificateError}", e);
                }
                catch (RpcException e) when (IsTransportFailure(e, cancellationToken))
                {
                    if (!retry || ++attempt > _options.Retries)
                    {
                        throw new AgentUnavailableException($"agent {Endpoint.Node} at {Endpoint.Address}: unreachable after {attempt} attempt(s): {Describe(e)}", e);
                    }

                    var delay = _options.RetryBaseDelay * Math.Pow(2, attempt - 1);
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
                {
                    throw new AgentUnavailableException($"agent {Endpoint.Node} at {Endpoint.Address}: no answer in time", e);
                }
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    public Task<GetNodeInfoResponse> GetNodeInfoAsync(CancellationToken cancellationToken) =>
        CallAsync(async (c, o) => await c.GetNodeInfoAsync(new GetNodeInfoRequest(), o.WithDeadline(Deadline())).ConfigureAwait(false), cancellationToken);

    public Task<GetStepResultResponse> GetStepResultAsync(string runId, string stepId, CancellationToken cancellationToken) =>
        CallAsync(async (c, o) => await c.GetStepResultAsync(new GetStepResultRequest { RunId = runId, StepId = stepId }, o.WithDeadline(Deadline())).ConfigureAwait(false), cancellationToken);

    /// <summary>
    /// Connection-level failures (refused, reset, TLS) as opposed to an answer from the agent.
    /// A Cancelled status that the caller did not ask for is one too: SocketsHttpHandler's
    /// ConnectTimeout cancels the connect (a TimeoutException inside), and a stream reset by a
    /// stopping agent reads as Cancelled.
    /// </summary>
    private static bool IsTransportFailure(RpcException e, CancellationToken caller) =>
        e.StatusCode == StatusCode.Unavailable ||
        (e.StatusCode == StatusCode.Cancelled && !caller.IsCancellationRequested) ||
        (e.StatusCode == StatusCode.Internal && e.Status.DebugException is HttpRequestException or IOException);

    private DateTime Deadline() => _time.GetUtcNow().UtcDateTime + _options.CallTimeout;

    private static string Describe(RpcException e)
    {
        var inner = e.Status.DebugException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner?.Message ?? e.Status.Detail;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.ShutdownAsync().ConfigureAwait(false);
        _channel.Dispose();
        _inFlight.Dispose();
    }
}
