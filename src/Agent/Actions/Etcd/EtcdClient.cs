using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Etcd;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>
/// etcd's v3 gRPC API over mutual TLS, trusting only the given CA. One channel per client URL;
/// cluster-wide calls go to the configured endpoints in order until one answers.
/// </summary>
internal sealed class EtcdClient : IDisposable
{
    private readonly Dictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly X509Certificate2? _ca;
    private readonly X509Certificate2? _clientCert;
    private readonly TimeProvider _time;

    private EtcdClient(IReadOnlyList<string> endpoints, X509Certificate2? ca, X509Certificate2? clientCert, TimeSpan timeout, TimeProvider time)
    {
        Endpoints = endpoints;
        _ca = ca;
        _clientCert = clientCert;
        Timeout = timeout;
        _time = time;
    }

    public IReadOnlyList<string> Endpoints { get; }
    public TimeSpan Timeout { get; }

    /// <returns>null with <paramref name="error"/> set when the connection settings are unusable.</returns>
    public static EtcdClient? Create(EtcdConnection connection, TimeProvider time, out string? error)
    {
        error = null;
        if (connection is null || connection.Endpoints.Count == 0)
        {
            error = "connection.endpoints is empty";
            return null;
        }

        foreach (var e in connection.Endpoints)
        {
            if (!Uri.TryCreate(e, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                error = $"connection.endpoints: '{e}' is not an http(s) URL";
                return null;
            }
        }

        if (connection.TimeoutMs is < 0 or > 120_000)
        {
            error = $"connection.timeout_ms must be 0..120000, got {connection.TimeoutMs}";
            return null;
        }

        var timeout = TimeSpan.FromMilliseconds(connection.TimeoutMs == 0 ? 5000 : connection.TimeoutMs);
        X509Certificate2? ca = null;
        X509Certificate2? cert = null;
        try
        {
            if (connection.CaFile.Length > 0)
            {
                ca = X509Certificate2.CreateFromPem(File.ReadAllText(connection.CaFile));
            }

            if (connection.CertFile.Length > 0 || connection.KeyFile.Length > 0)
            {
                cert = KeyFactory.LoadCertificateWithKey(connection.CertFile, connection.KeyFile);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            ca?.Dispose();
            error = $"cannot load TLS material (ca_file {connection.CaFile}, cert_file {connection.CertFile}): {e.Message}";
            return null;
        }

        if (connection.Endpoints.Any(e => e.StartsWith("https:", StringComparison.OrdinalIgnoreCase)) && ca is null)
        {
            cert?.Dispose();
            error = "connection.ca_file is required for https endpoints";
            return null;
        }

        return new EtcdClient([.. connection.Endpoints], ca, cert, timeout, time);
    }

    public Cluster.ClusterClient Cluster(string endpoint) => new(Channel(endpoint));

    public KV.KVClient Kv(string endpoint) => new(Channel(endpoint));

    public Maintenance.MaintenanceClient Maintenance(string endpoint) => new(Channel(endpoint));

    /// <summary>A token that ends the call after <see cref="Timeout"/>.</summary>
    public CancellationTokenSource Deadline(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? Timeout);
        return cts;
    }

    /// <summary>Runs <paramref name="call"/> against each endpoint until one succeeds.</summary>
    public async Task<T> FirstAsync<T>(Func<string, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var endpoint in Endpoints)
        {
            using var deadline = Deadline(cancellationToken);
            try
            {
                return await call(endpoint, deadline.Token).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                errors.Add($"{endpoint}: {Describe(e)}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                errors.Add($"{endpoint}: no answer within {Timeout.TotalMilliseconds} ms");
            }
        }

        throw new EtcdUnavailableException($"no etcd endpoint answered: {string.Join("; ", errors)}");
    }

    public static string Describe(RpcException e) =>
        e.StatusCode == StatusCode.Cancelled ? "cancelled (timeout)" : $"{e.StatusCode}: {e.Status.Detail}";

    private GrpcChannel Channel(string endpoint)
    {
        lock (_channels)
        {
            if (_channels.TryGetValue(endpoint, out var existing))
            {
                return existing;
            }

            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = Timeout,
                EnableMultipleHttp2Connections = false,
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificates = _clientCert is null ? null : [_clientCert],
                    RemoteCertificateValidationCallback = Validate,
                },
            };
            var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxReceiveMessageSize = 64 * 1024 * 1024,
            });
            _channels[endpoint] = channel;
            return channel;
        }
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // The name check is the platform's; the chain is checked against the etcd CA only.
        if (_ca is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        return PeerCertificateValidator.Validate(certificate as X509Certificate2, _ca, PeerCertificateValidator.ServerAuthOid, _time) is null;
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _ca?.Dispose();
        _clientCert?.Dispose();
    }
}
