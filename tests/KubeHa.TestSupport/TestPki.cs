using System.Net;
using KubeHa.Common.Pki;

namespace KubeHa.TestSupport;

/// <summary>Builds KubeHa-style CAs and certificates for tests, written as PEM files.</summary>
public static class TestPki
{
    public static (string Cert, string Key) Issue(
        CertificateAuthority ca,
        string dir,
        string name,
        System.Security.Cryptography.X509Certificates.X500DistinguishedName subject,
        bool server,
        bool client,
        TimeProvider time,
        TimeSpan? validity = null)
    {
        Directory.CreateDirectory(dir);
        using var key = KeyFactory.Create(KeyAlgorithm.EcdsaP256);
        using var cert = ca.Sign(new CertificateRequestSpec
        {
            Subject = subject,
            DnsNames = ["localhost"],
            IpAddresses = [IPAddress.Loopback],
            ServerAuth = server,
            ClientAuth = client,
            Validity = validity ?? TimeSpan.FromDays(30),
        }, key, time);
        var certPath = Path.Combine(dir, name + ".crt");
        var keyPath = Path.Combine(dir, name + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, KeyFactory.ExportPrivateKeyPem(key));
        return (certPath, keyPath);
    }
}
