using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeHa.Lab.Kubelet;

/// <summary>
/// The kubelet's TLS bootstrap: with the credentials of bootstrap-kubelet.conf, request a client
/// certificate for system:node:NAME through a CertificateSigningRequest (approved and signed by
/// the controller-manager), then write the certificate under the cert dir and kubelet.conf.
/// </summary>
internal sealed class TlsBootstrapper(StandInOptions options, TimeProvider time, Log log)
{
    public const string SignerName = "kubernetes.io/kube-apiserver-client-kubelet";

    public async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        log.Info($"TLS bootstrap of {options.NodeName} with {options.BootstrapKubeconfig}");
        var bootstrap = await KubernetesClientConfiguration.LoadKubeConfigAsync(new FileInfo(options.BootstrapKubeconfig)).ConfigureAwait(false);
        var context = bootstrap.Contexts.FirstOrDefault(c => c.Name == bootstrap.CurrentContext) ?? bootstrap.Contexts.First();
        var cluster = bootstrap.Clusters.First(c => c.Name == context.ContextDetails.Cluster).ClusterEndpoint;
        var caData = cluster.CertificateAuthorityData
            ?? Convert.ToBase64String(await File.ReadAllBytesAsync(cluster.CertificateAuthority, cancellationToken).ConfigureAwait(false));

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.BootstrapKubeconfig);
        config.HttpClientTimeout = TimeSpan.FromSeconds(10);
        using var client = new Kubernetes(config);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("system:nodes");
        subject.AddCommonName("system:node:" + options.NodeName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        var csr = new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { GenerateName = "csr-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()),
                SignerName = SignerName,
                Usages = ["digital signature", "key encipherment", "client auth"],
            },
        };
        var created = await client.CertificatesV1.CreateCertificateSigningRequestAsync(csr, cancellationToken: cancellationToken).ConfigureAwait(false);
        var name = created.Metadata.Name;
        log.Info($"TLS bootstrap: created CertificateSigningRequest {name}; waiting for approval and signature");

        byte[]? certificate = null;
        var deadline = time.GetUtcNow() + TimeSpan.FromMinutes(5);
        while (certificate is null)
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"CertificateSigningRequest {name} not signed within 5 minutes (is the controller-manager running?)");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
            V1CertificateSigningRequest current;
            try
            {
                current = await client.CertificatesV1.ReadCertificateSigningRequestAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or TaskCanceledException)
            {
                log.Error("tls-bootstrap", $"reading CertificateSigningRequest {name}: {e.Message}");
                continue;
            }

            if (current.Status?.Conditions?.FirstOrDefault(c => c.Type is "Denied" or "Failed") is { } bad)
            {
                throw new InvalidOperationException($"CertificateSigningRequest {name} {bad.Type}: {bad.Reason} {bad.Message}");
            }

            if (current.Status?.Certificate is { Length: > 0 } signed)
            {
                certificate = signed;
            }
        }

        Directory.CreateDirectory(options.CertDir);
        var stamp = time.GetUtcNow().ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);
        var pemFile = System.IO.Path.Combine(options.CertDir, $"kubelet-client-{stamp}.pem");
        var pem = Encoding.ASCII.GetString(certificate).TrimEnd() + "\n" + key.ExportECPrivateKeyPem() + "\n";
        WriteAtomically(pemFile, pem);
        var currentPem = System.IO.Path.Combine(options.CertDir, "kubelet-client-current.pem");
        var link = currentPem + ".tmp";
        File.Delete(link);
        File.CreateSymbolicLink(link, pemFile);
        File.Move(link, currentPem, overwrite: true);

        WriteAtomically(options.Kubeconfig, KubeletConf(cluster.Server, caData, currentPem));
        log.Info($"TLS bootstrap: wrote {pemFile} and {options.Kubeconfig} (server {cluster.Server})");
    }

    /// <summary>kubelet.conf as the kubelet writes it after its bootstrap.</summary>
    internal static string KubeletConf(string server, string caData, string certFile) =>
        $"""
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: {caData}
            server: {server}
          name: default-cluster
        contexts:
        - context:
            cluster: default-cluster
            namespace: default
            user: default-auth
          name: default-context
        current-context: default-context
        kind: Config
        preferences: {"{}"}
        users:
        - name: default-auth
          user:
            client-certificate: {certFile}
            client-key: {certFile}

        """;

    private static void WriteAtomically(string path, string content)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, content);
        File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tmp, path, overwrite: true);
    }
}
