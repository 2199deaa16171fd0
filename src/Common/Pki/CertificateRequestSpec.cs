using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace KubeHa.Common.Pki;

/// <summary>What a leaf certificate must say.</summary>
public sealed record CertificateRequestSpec
{
    public required X500DistinguishedName Subject { get; init; }
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [];
    public bool ServerAuth { get; init; }
    public bool ClientAuth { get; init; }
    public X509KeyUsageFlags KeyUsage { get; init; } =
        X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment;
    public TimeSpan Validity { get; init; } = TimeSpan.FromDays(365);
    public KeyAlgorithm KeyAlgorithm { get; init; } = KeyAlgorithm.EcdsaP256;
}
