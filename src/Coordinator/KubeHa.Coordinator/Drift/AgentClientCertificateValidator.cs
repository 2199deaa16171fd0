using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Pki;

namespace KubeHa.Coordinator.Drift;

/// <summary>The collector admits a TLS client only with a valid KubeHa agent certificate for client authentication.</summary>
public static class AgentClientCertificateValidator
{
    /// <returns>null when accepted, else the reason.</returns>
    public static string? Validate(X509Certificate2? client, X509Certificate2 kubeHaCa, TimeProvider time)
    {
        var chain = PeerCertificateValidator.Validate(client, kubeHaCa, PeerCertificateValidator.ClientAuthOid, time);
        if (chain is not null)
        {
            return chain;
        }

        return KubeHaIdentity.HasOrganization(client!, KubeHaIdentity.AgentOrganization)
            ? null
            : $"certificate '{client!.Subject}' is not a KubeHa agent certificate (O={KubeHaIdentity.AgentOrganization} missing)";
    }
}
