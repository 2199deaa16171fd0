using System.Net;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Files;
using KubeHa.Common.Pki;

namespace KubeHa.Coordinator.Pki;

/// <summary>
/// The KubeHa CA (separate from the cluster CA) and the coordinator's certificate, under
/// STATE/pki. Issues agent serving certificates. Private keys are written 0600.
/// </summary>
public sealed class PkiStore(string stateDir, TimeProvider time)
{
    public string Dir => Path.Combine(stateDir, "pki");
    public string CaCert => Path.Combine(Dir, "ca.crt");
    public string CaKey => Path.Combine(Dir, "ca.key");
    public string CoordinatorCert => Path.Combine(Dir, "coordinator.crt");
    public string CoordinatorKey => Path.Combine(Dir, "coordinator.key");

    public bool Exists => File.Exists(CaCert) || File.Exists(CaKey);

    /// <summary>Creates the CA and the coordinator's certificate. Refuses to replace an existing CA.</summary>
    public void Init(IReadOnlyList<string> coordinatorDns, IReadOnlyList<IPAddress> coordinatorIps)
    {
        if (Exists)
        {
            throw new PkiException($"{Dir}: a KubeHa CA already exists; it is kept (every agent trusts it). Remove it by hand to start over.");
        }

        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var ca = CertificateAuthority.Create("kubeha-ca", time);
        ca.Save(CaCert, CaKey);
        IssueCoordinator(ca, coordinatorDns, coordinatorIps);
    }

    /// <summary>Issues the serving+client certificate of an agent into <paramref name="outDir"/> (agent.crt, agent.key, ca.crt).</summary>
    public IssuedCertificate IssueAgent(string node, IReadOnlyList<string> dns, IReadOnlyList<IPAddress> ips, string outDir, TimeSpan? validity = null)
    {
        using var ca = LoadCa();
        var names = dns.Contains(node, StringComparer.OrdinalIgnoreCase) ? dns : [node, .. dns];
        var spec = new CertificateRequestSpec
        {
            Subject = KubeHaIdentity.AgentSubject(node),
            DnsNames = names,
            IpAddresses = ips,
            ServerAuth = true,
            // Agents push drift reports to the coordinator daemon as clients.
            ClientAuth = true,
            Validity = validity ?? TimeSpan.FromDays(825),
        };
        return Write(ca, spec, Path.Combine(outDir, "agent.crt"), Path.Combine(outDir, "agent.key"), Path.Combine(outDir, "ca.crt"));
    }

    public CertificateAuthority LoadCa()
    {
        if (!File.Exists(CaCert) || !File.Exists(CaKey))
        {
            throw new PkiException($"{Dir}: no KubeHa CA; run 'kubeha pki init' first");
        }

        return CertificateAuthority.Load(CaCert, CaKey);
    }

    /// <summary>The coordinator's client certificate with its key, and the CA it trusts.</summary>
    public (X509Certificate2 Client, X509Certificate2 Ca) LoadCoordinatorIdentity()
    {
        if (!File.Exists(CoordinatorCert) || !File.Exists(CoordinatorKey) || !File.Exists(CaCert))
        {
            throw new PkiException($"{Dir}: no coordinator certificate; run 'kubeha pki init' first");
        }

        using var pem = X509Certificate2.CreateFromPemFile(CoordinatorCert, CoordinatorKey);
        var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var caCert = X509Certificate2.CreateFromPem(File.ReadAllText(CaCert));
        return (client, caCert);
    }

    private void IssueCoordinator(CertificateAuthority ca, IReadOnlyList<string> dns, IReadOnlyList<IPAddress> ips)
    {
        var spec = new CertificateRequestSpec
        {
            Subject = KubeHaIdentity.CoordinatorSubject("kubeha-coordinator"),
            DnsNames = dns,
            IpAddresses = ips,
            ClientAuth = true,
            // The daemon (`kubeha serve`) also serves agents' drift reports.
            ServerAuth = true,
            Validity = TimeSpan.FromDays(825),
        };
        Write(ca, spec, CoordinatorCert, CoordinatorKey, caCopy: null);
    }

    private IssuedCertificate Write(CertificateAuthority ca, CertificateRequestSpec spec, string certPath, string keyPath, string? caCopy)
    {
        using var key = KeyFactory.Create(spec.KeyAlgorithm);
        using var cert = ca.Sign(spec, key, time);
        AtomicFile.WriteAllText(keyPath, KeyFactory.ExportPrivateKeyPem(key), AtomicFile.PrivateMode);
        AtomicFile.WriteAllText(certPath, cert.ExportCertificatePem() + "\n", AtomicFile.DefaultMode);
        if (caCopy is not null)
        {
            AtomicFile.WriteAllText(caCopy, ca.Certificate.ExportCertificatePem() + "\n", AtomicFile.DefaultMode);
        }

        return new IssuedCertificate(certPath, keyPath, cert.NotAfter, PeerCertificateValidator.SubjectAltNames(cert));
    }
}

public sealed record IssuedCertificate(string CertPath, string KeyPath, DateTime NotAfter, IReadOnlyList<string> SubjectAltNames);
