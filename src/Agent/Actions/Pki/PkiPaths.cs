namespace KubeHa.Agent.Actions.Pki;

/// <summary>kubeadm's PKI layout.</summary>
internal static class PkiPaths
{
    public const string DefaultDir = "/etc/kubernetes/pki";

    public static string Dir(string configured) => string.IsNullOrEmpty(configured) ? DefaultDir : configured;
}
