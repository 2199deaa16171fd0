using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Pki;

namespace KubeHa.Coordinator.Agents;

/// <summary>
/// The coordinator trusts an agent only when its certificate chains to the KubeHa CA, is valid
/// now, is for server authentication, carries the agent role, and names the expected node.
/// </summary>
public static class AgentCertificatePolicy
{
    /// <returns>null when acceptable, else the reason.</returns>
    public static string? Validate(X509Certificate2? cert, X509Certificate2 kubeHaCa, string expectedNode, TimeProvider time)
    {
        var chain = PeerCertificateValidator.Validate(cert, kubeHaCa, PeerCertificateValidator.ServerAuthOid, time);
        if (chain is not null)
        {
            return chain;
        }

        if (!KubeHaIdentity.HasOrganization(cert!, KubeHaIdentity.AgentOrganization))
        {
            return $"certificate '{cert!.Subject}' is not a KubeHa agent certificate";
        }

        var cn = KubeHaIdentity.CommonName(cert!);
        if (!string.Equals(cn, expectedNode, StringComparison.Ordinal))
        {
            return $"agent certificate is for node '{cn}', expected '{expectedNode}'";
        }

        return null;
    }
}
