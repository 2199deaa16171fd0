using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>
/// While a conversion runs: GET /readyz of the API every 200 ms (seconds without an answer are
/// summed) and node readiness every second (Ready -> NotReady transitions counted).
/// </summary>
internal sealed class ApiWatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _probe;
    private readonly Task _nodes;
    private readonly Dictionary<string, string> _lastReady = new(StringComparer.Ordinal);
    private bool _disposed;

    public ApiWatcher(string server, string caFile)
    {
        _probe = ProbeAsync(server, caFile, _stop.Token);
        _nodes = NodesAsync(_stop.Token);
    }

    public TimeSpan Down { get; private set; }

    public TimeSpan LongestOutage { get; private set; }

    public int Probes { get; private set; }

    public List<string> NotReadyTransitions { get; } = [];

    private async Task ProbeAsync(string server, string caFile, CancellationToken ct)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(cert));
                },
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMilliseconds(1000) };
        var outage = Stopwatch.StartNew();
        var inOutage = false;
        while (!ct.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            bool ok;
            try
            {
                using var response = await http.GetAsync(new Uri(server + "/readyz"), ct);
                ok = response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                ok = false;
            }

            Probes++;
            if (!ok && !inOutage)
            {
                inOutage = true;
                outage.Restart();
            }
            else if (ok && inOutage)
            {
                inOutage = false;
                Down += outage.Elapsed;
                LongestOutage = outage.Elapsed > LongestOutage ? outage.Elapsed : LongestOutage;
            }

            var wait = TimeSpan.FromMilliseconds(200) - started.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        if (inOutage)
        {
            Down += outage.Elapsed;
            LongestOutage = outage.Elapsed > LongestOutage ? outage.Elapsed : LongestOutage;
        }
    }

    private async Task NodesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                foreach (var (node, ready) in await LabCli.NodeReadinessAsync())
                {
                    if (_lastReady.TryGetValue(node, out var before) && before == "True" && ready != "True")
                    {
                        NotReadyTransitions.Add($"{node} {before}->{ready}");
                    }

                    _lastReady[node] = ready;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The API may be briefly unavailable during a restart: the probe counts that.
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        await Task.WhenAll(_probe, _nodes);
        _stop.Dispose();
    }
}
