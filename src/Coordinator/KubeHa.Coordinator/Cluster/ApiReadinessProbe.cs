using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// GET SERVER/readyz with TLS verified against the cluster CA only (not the system store)
/// and for the URL's host name or IP; the kubeconfig's client certificate is presented when
/// it has one, otherwise the request is anonymous (kubeadm allows /readyz to anyone).
/// </summary>
internal sealed class ApiReadinessProbe(X509Certificate2Collection clusterCa, X509Certificate2? clientCertificate, TimeProvider time)
{
    public async Task WaitReadyAsync(string server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.PathAndQuery != "/")
        {
            throw new ClusterStepException($"api_ready: server '{server}' is not an https://host:port URL");
        }

        if (clusterCa.Count == 0)
        {
            throw new ClusterStepException("api_ready: the kubeconfig has no cluster CA to verify the endpoint against");
        }

        var tlsProblem = string.Empty;
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Verify(certificate, errors, uri.Host, out tlsProblem);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = time.GetUtcNow() + timeout;
        var last = "not tried";
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(uri, "/readyz"), cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}: {body.Trim().Split('\n').LastOrDefault()}");
            }
            catch (HttpRequestException e)
            {
                last = tlsProblem.Length > 0 ? tlsProblem : e.InnerException?.Message ?? e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "no answer within 10 s";
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new ClusterStepException(string.Create(CultureInfo.InvariantCulture, $"api_ready: {server}/readyz not ready after {timeout.TotalSeconds:0} s: {last}"));
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool Verify(X509Certificate? certificate, SslPolicyErrors errors, string host, out string problem)
    {
        if (certificate is null)
        {
            problem = "the server sent no certificate";
            return false;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            problem = $"the server's certificate is not valid for {host} (no such SAN)";
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(clusterCa);
        using var leaf = new X509Certificate2(certificate);
        if (!chain.Build(leaf))
        {
            problem = $"the server's certificate ({leaf.Subject}) does not verify against the cluster CA: {string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}";
            return false;
        }

        problem = string.Empty;
        return true;
    }
}
