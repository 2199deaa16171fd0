using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeHa.Common.Pki;

/// <summary>Creates keys and certificate requests for an algorithm; loads PEM keys.</summary>
public static class KeyFactory
{
    public static AsymmetricAlgorithm Create(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.Rsa2048 => RSA.Create(2048),
        KeyAlgorithm.Rsa4096 => RSA.Create(4096),
        KeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyAlgorithm.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };

    public static CertificateRequest NewRequest(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
        _ => throw new NotSupportedException($"key type {key.GetType().Name} is not supported"),
    };

    /// <summary>Loads a PEM private key (PKCS#1, PKCS#8 or SEC1), RSA or EC.</summary>
    public static AsymmetricAlgorithm LoadPem(string pem, string sourceForErrors)
    {
        if (pem.Contains("RSA PRIVATE KEY", StringComparison.Ordinal))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa;
        }

        if (pem.Contains("EC PRIVATE KEY", StringComparison.Ordinal))
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return ec;
        }

        // PKCS#8: try RSA first, then EC.
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (CryptographicException)
        {
            try
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                return ec;
            }
            catch (CryptographicException e)
            {
                throw new CryptographicException($"{sourceForErrors}: not an RSA or EC private key in PEM form ({e.Message})", e);
            }
        }
    }

    public static string ExportPrivateKeyPem(AsymmetricAlgorithm key) => key switch
    {
        // kubeadm writes PKCS#1 for RSA and SEC1 for EC; do the same so tools agree.
        RSA rsa => rsa.ExportRSAPrivateKeyPem(),
        ECDsa ec => ec.ExportECPrivateKeyPem(),
        _ => throw new NotSupportedException($"key type {key.GetType().Name} is not supported"),
    };

    public static X509Certificate2 WithKey(X509Certificate2 cert, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => cert.CopyWithPrivateKey(rsa),
        ECDsa ec => cert.CopyWithPrivateKey(ec),
        _ => throw new NotSupportedException($"key type {key.GetType().Name} is not supported"),
    };

    /// <summary>
    /// A certificate with its private key from PEM files, re-imported so the key is usable by
    /// SslStream (as a client or server certificate) on every platform.
    /// </summary>
    public static X509Certificate2 LoadCertificateWithKey(string certPath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The algorithm of a certificate's public key, to make a fresh key of the same kind.</summary>
    public static KeyAlgorithm AlgorithmOf(X509Certificate2 cert)
    {
        using (var rsa = cert.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                return rsa.KeySize >= 4096 ? KeyAlgorithm.Rsa4096 : KeyAlgorithm.Rsa2048;
            }
        }

        using var ec = cert.GetECDsaPublicKey() ??
            throw new NotSupportedException($"certificate '{cert.Subject}' has neither an RSA nor an EC key");
        return ec.KeySize >= 384 ? KeyAlgorithm.EcdsaP384 : KeyAlgorithm.EcdsaP256;
    }

    /// <summary>True when the certificate's public key is the public half of this key.</summary>
    public static bool Matches(X509Certificate2 cert, AsymmetricAlgorithm key)
    {
        var certKey = cert.PublicKey.ExportSubjectPublicKeyInfo();
        var keyPub = key switch
        {
            RSA rsa => rsa.ExportSubjectPublicKeyInfo(),
            ECDsa ec => ec.ExportSubjectPublicKeyInfo(),
            _ => [],
        };
        return certKey.AsSpan().SequenceEqual(keyPub);
    }
}
