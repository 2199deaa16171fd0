using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KubeHa.Agent.Actions.Pki;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>
/// Rules that need no prior run, from the seeds' outages: a kubeconfig still pointing at one
/// master while an endpoint is known; an API server certificate without the endpoint's SAN
/// or close to expiry; a load balancer or keepalived configured by KubeHa but not running; a
/// control-plane static pod manifest missing.
/// </summary>
internal sealed class BuiltInRules(IServiceProbe services, DriftPaths paths, TimeSpan certExpiryWarning, TimeProvider time)
{
    public const string ManagedMarker = "# Managed by kubeha";

    public async Task<List<DriftItem>> CheckAsync(string node, IReadOnlyList<string> roles, string endpoint, DesiredState desired, DriftReads reads, CancellationToken cancellationToken)
    {
        var items = new List<DriftItem>();
        if (endpoint.Length > 0)
        {
            foreach (var path in paths.Kubeconfigs.Where(reads.Exists))
            {
                CheckKubeconfig(node, path, endpoint, reads, items);
            }
        }

        CheckApiServerCertificate(node, endpoint, reads, items);

        foreach (var (service, config) in paths.LoadBalancers)
        {
            var configured = desired.Services.Any(s => s.Name == service) || IsManaged(reads, config);
            if (configured && !await services.IsActiveAsync(service, cancellationToken).ConfigureAwait(false))
            {
                items.Add(DriftItems.Create(node, DriftKind.ServiceInactive, service, "active", "not running", correctable: false,
                    $"rule:lb-running ({config})"));
            }
        }

        if (roles.Contains("master", StringComparer.Ordinal))
        {
            CheckManifests(node, desired, reads, items);
        }

        return items;
    }

    private static void CheckKubeconfig(string node, string path, string endpoint, DriftReads reads, List<DriftItem> items)
    {
        var servers = KubeconfigServers.Read(reads, path, out var error);
        if (servers is null)
        {
            items.Add(DriftItems.Create(node, DriftKind.KubeconfigEndpoint, path, endpoint, error, correctable: false, "rule:kubeconfig-endpoint"));
            return;
        }

        var wrong = servers.Where(s => !KubeconfigServers.SameServer(s.Server, endpoint)).Select(s => s.Server).Distinct().ToList();
        if (wrong.Count > 0)
        {
            items.Add(DriftItems.Create(node, DriftKind.KubeconfigEndpoint, path, endpoint, string.Join(",", wrong), correctable: true, "rule:kubeconfig-endpoint"));
        }
    }

    private void CheckApiServerCertificate(string node, string endpoint, DriftReads reads, List<DriftItem> items)
    {
        var path = Path.Combine(paths.PkiDir, "apiserver.crt");
        var pem = reads.Bytes(path);
        if (pem is null)
        {
            return;
        }

        var correctable = reads.Exists(Path.Combine(paths.PkiDir, "ca.key"));
        X509Certificate2 cert;
        try
        {
            cert = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(pem));
        }
        catch (CryptographicException e)
        {
            items.Add(DriftItems.Create(node, DriftKind.CertificateExpiry, path, "a readable certificate", $"unreadable: {e.Message}", correctable, "rule:apiserver-certificate"));
            return;
        }

        using (cert)
        {
            if (endpoint.Length > 0 && SanName.TryParse(new Uri(endpoint).Host, out var san) is null && !SanSet.Of(cert).Contains(san!))
            {
                items.Add(DriftItems.Create(node, DriftKind.CertificateSan, path, san!.ToString(), SanSet.Of(cert).ToString(), correctable, "rule:apiserver-certificate-san"));
            }

            var left = cert.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime;
            if (left < certExpiryWarning)
            {
                var days = certExpiryWarning.TotalDays.ToString("0", CultureInfo.InvariantCulture);
                items.Add(DriftItems.Create(node, DriftKind.CertificateExpiry, path, $"valid for more than {days} days",
                    $"expires {cert.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}", correctable, "rule:apiserver-certificate-expiry"));
            }
        }
    }

    private void CheckManifests(string node, DesiredState desired, DriftReads reads, List<DriftItem> items)
    {
        var required = new List<string> { "kube-apiserver", "kube-controller-manager", "kube-scheduler" };
        // Stacked etcd: the node holds an etcd serving certificate, so it runs etcd as a static pod.
        if (reads.Exists(Path.Combine(paths.PkiDir, "etcd", "server.crt")))
        {
            required.Add("etcd");
        }

        foreach (var name in required)
        {
            var path = Path.Combine(paths.ManifestsDir, name + ".yaml");
            if (!reads.Exists(path))
            {
                var recorded = desired.Files.Any(f => f.Path == path && f.Sha256.Length > 0);
                items.Add(DriftItems.Create(node, DriftKind.StaticPodMissing, path, "present", "absent", recorded, "rule:static-pod-manifest"));
            }
        }
    }

    private static bool IsManaged(DriftReads reads, string config)
    {
        try
        {
            return reads.Bytes(config) is { } bytes &&
                   Encoding.UTF8.GetString(bytes).Split('\n').Take(5).Any(l => l.StartsWith(ManagedMarker, StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
