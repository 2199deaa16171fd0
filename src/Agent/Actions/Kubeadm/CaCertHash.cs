using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubeHa.Agent.Actions.Kubeadm;

/// <summary>kubeadm's discovery pin: "sha256:" + hex SHA-256 of the CA certificate's DER SubjectPublicKeyInfo.</summary>
internal static class CaCertHash
{
    public static string Compute(string caCertPem)
    {
        using var cert = X509Certificate2.CreateFromPem(caCertPem);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(cert.PublicKey.ExportSubjectPublicKeyInfo()));
    }
}
