using System.Security.Cryptography.X509Certificates;

namespace KubeHa.Common.Pki;

/// <summary>
/// Roles carried in the Organization (O) of certificates issued by the KubeHa CA. The agent
/// accepts callers with the coordinator role only; the coordinator daemon accepts agents.
/// </summary>
public static class KubeHaIdentity
{
    public const string CoordinatorOrganization = "kubeha:coordinator";
    public const string AgentOrganization = "kubeha:agent";

    public static X500DistinguishedName AgentSubject(string node) =>
        new($"CN={node}, O={AgentOrganization}");

    public static X500DistinguishedName CoordinatorSubject(string name) =>
        new($"CN={name}, O={CoordinatorOrganization}");

    public static bool HasOrganization(X509Certificate2 cert, string organization)
    {
        foreach (var rdn in cert.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.10" &&
                string.Equals(rdn.GetSingleElementValue(), organization, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static string? CommonName(X509Certificate2 cert) =>
        cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
}
