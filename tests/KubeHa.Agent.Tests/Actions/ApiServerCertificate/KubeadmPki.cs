using System.Net;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Files;
using KubeHa.Common.Pki;

namespace KubeHa.Agent.Tests.Actions.ApiServerCertificate;

/// <summary>
/// A kubeadm-like /etc/kubernetes/pki in a test directory: ca.crt/ca.key (CN=kubernetes) and
/// apiserver.crt/.key (CN=kube-apiserver, serverAuth, the usual service and node SANs).
/// </summary>
internal static class KubeadmPki
{
    public static readonly string[] DnsSans = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "master-1"];
    public static readonly string[] IpSans = ["10.96.0.1", "192.168.56.10"];

    public static void Create(string pkiDir, KeyAlgorithm algorithm, string caName = "kubernetes")
    {
        Directory.CreateDirectory(pkiDir);
        using var ca = CertificateAuthority.Create(caName, TimeProvider.System, algorithm);
        ca.Save(Path.Combine(pkiDir, "ca.crt"), Path.Combine(pkiDir, "ca.key"));
        IssueApiServer(pkiDir, ca, algorithm);
    }

    public static void IssueApiServer(string pkiDir, CertificateAuthority ca, KeyAlgorithm algorithm)
    {
        using var key = KeyFactory.Create(algorithm);
        using var cert = ca.Sign(new CertificateRequestSpec
        {
            Subject = new X500DistinguishedName("CN=kube-apiserver"),
            DnsNames = DnsSans,
            IpAddresses = [.. IpSans.Select(IPAddress.Parse)],
            ServerAuth = true,
        }, key, TimeProvider.System);
        AtomicFile.WriteAllText(Path.Combine(pkiDir, "apiserver.key"), KeyFactory.ExportPrivateKeyPem(key), AtomicFile.PrivateMode);
        AtomicFile.WriteAllText(Path.Combine(pkiDir, "apiserver.crt"), cert.ExportCertificatePem() + "\n", AtomicFile.DefaultMode);
    }

    public static X509Certificate2 LoadCert(string pkiDir) => X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(pkiDir, "apiserver.crt")));
}
