using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Files;

namespace KubeHa.Common.Pki;

/// <summary>A CA certificate with its private key, able to sign leaf certificates.</summary>
public sealed class CertificateAuthority : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private CertificateAuthority(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        Certificate = certificate;
        _key = key;
    }

    public X509Certificate2 Certificate { get; }

    public static CertificateAuthority Create(string commonName, TimeProvider time, KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256, TimeSpan? validity = null)
    {
        var key = KeyFactory.Create(algorithm);
        var request = KeyFactory.NewRequest(new X500DistinguishedName($"CN={commonName}"), key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(validity ?? TimeSpan.FromDays(3650)));
        return new CertificateAuthority(cert, key);
    }

    /// <summary>Loads a CA from PEM files; refuses a key that does not match the certificate.</summary>
    public static CertificateAuthority Load(string certPath, string keyPath) =>
        FromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath), certPath, keyPath);

    /// <summary>
    /// A CA from PEM text (certificate first in <paramref name="certPem"/>); refuses a key that
    /// does not match the certificate. The paths only name the sources in errors.
    /// </summary>
    public static CertificateAuthority FromPem(string certPem, string keyPem, string certPathForErrors, string keyPathForErrors)
    {
        var cert = X509Certificate2.CreateFromPem(certPem);
        var key = KeyFactory.LoadPem(keyPem, keyPathForErrors);
        if (!KeyFactory.Matches(cert, key))
        {
            key.Dispose();
            cert.Dispose();
            throw new CryptographicException($"{keyPathForErrors}: private key does not belong to the CA certificate {certPathForErrors}");
        }

        return new CertificateAuthority(cert, key);
    }

    /// <summary>
    /// True when this CA's key signed <paramref name="leaf"/>: the chain is built against this
    /// CA alone (signature checked, names alone are not enough). Validity dates are ignored
    /// here; callers check them separately.
    /// </summary>
    public bool IsIssuerOf(X509Certificate2 leaf)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(leaf) &&
            chain.ChainElements.Count == 2 &&
            chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(Certificate.RawDataMemory.Span);
    }

    /// <summary>
    /// The authority key identifier for certificates this CA signs: the CA's subject key
    /// identifier, or its issuer and serial when the CA certificate has none (some hand-made CAs).
    /// </summary>
    public X509AuthorityKeyIdentifierExtension AuthorityKeyIdentifier()
    {
        var hasSki = Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any();
        return X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, hasSki, !hasSki);
    }

    /// <summary>The CA certificate as PEM, newline-terminated.</summary>
    public string ExportCertificatePem() => Certificate.ExportCertificatePem() + "\n";

    /// <summary>The CA private key as PEM (PKCS#1 for RSA, SEC1 for EC, like kubeadm). A secret.</summary>
    public string ExportPrivateKeyPem() => KeyFactory.ExportPrivateKeyPem(_key);

    /// <summary>Signs a new leaf certificate for <paramref name="key"/>.</summary>
    public X509Certificate2 Sign(CertificateRequestSpec spec, AsymmetricAlgorithm key, TimeProvider time)
    {
        var request = KeyFactory.NewRequest(spec.Subject, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(spec.KeyUsage, true));
        var eku = new OidCollection();
        if (spec.ServerAuth)
        {
            eku.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        }

        if (spec.ClientAuth)
        {
            eku.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        if (eku.Count > 0)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(eku, false));
        }

        if (spec.DnsNames.Count > 0 || spec.IpAddresses.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in spec.DnsNames)
            {
                san.AddDnsName(dns);
            }

            foreach (var ip in spec.IpAddresses)
            {
                san.AddIpAddress(ip);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(AuthorityKeyIdentifier());
        return Sign(request, spec.Validity, time);
    }

    /// <summary>Signs a prepared request (extensions already set by the caller).</summary>
    public X509Certificate2 Sign(CertificateRequest request, TimeSpan validity, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var notAfter = now.Add(validity);
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        var generator = _key switch
        {
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
            _ => throw new NotSupportedException("CA key type is not supported"),
        };
        return request.Create(Certificate.SubjectName, generator, now.AddMinutes(-5), notAfter, serial);
    }

    /// <summary>Writes ca.crt (0644) and ca.key (0600) atomically.</summary>
    public void Save(string certPath, string keyPath)
    {
        AtomicFile.WriteAllText(keyPath, KeyFactory.ExportPrivateKeyPem(_key), AtomicFile.PrivateMode);
        AtomicFile.WriteAllText(certPath, Certificate.ExportCertificatePem() + "\n", AtomicFile.DefaultMode);
    }

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
