using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Pki;

namespace KubeHa.Agent.Security;

/// <summary>
/// Decides whether a TLS client may call the agent: a valid, unexpired certificate chaining
/// to the KubeHa CA (and no other), for client authentication, carrying the coordinator role.
/// </summary>
internal sealed class CoordinatorCertificateValidator(X509Certificate2 kubeHaCa, TimeProvider time)
{
    /// <returns>null when accepted, else the reason.</returns>
    public string? Validate(X509Certificate2? client)
    {
        var chainError = PeerCertificateValidator.Validate(client, kubeHaCa, PeerCertificateValidator.ClientAuthOid, time);
        if (chainError is not null)
        {
            return chainError;
        }

        return KubeHaIdentity.HasOrganization(client!, KubeHaIdentity.CoordinatorOrganization)
            ? null
            : $"certificate '{client!.Subject}' is not a KubeHa coordinator certificate (O={KubeHaIdentity.CoordinatorOrganization} missing)";
    }
}
