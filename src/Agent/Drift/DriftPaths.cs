using KubeHa.Agent.Actions.LoadBalancer;
using KubeHa.Agent.Configuration;

namespace KubeHa.Agent.Drift;

/// <summary>Where the built-in rules look; tests point them at a temporary tree.</summary>
internal sealed record DriftPaths(string KubernetesDir, string NginxConf, string HaproxyCfg, string KeepalivedConf, string ProcSys)
{
    private static readonly string[] KubeconfigNames = ["kubelet.conf", "admin.conf", "controller-manager.conf", "scheduler.conf"];

    public static DriftPaths From(AgentOptions options) => new(
        options.Drift.KubernetesDir, NginxConfigRenderer.DefaultPath, HaproxyConfigRenderer.DefaultPath, KeepalivedConfigRenderer.DefaultPath, "/proc/sys");

    public string PkiDir => Path.Combine(KubernetesDir, "pki");
    public string ManifestsDir => Path.Combine(KubernetesDir, "manifests");

    /// <summary>The kubeconfigs kubeadm writes; each must use the endpoint once one is known.</summary>
    public IEnumerable<string> Kubeconfigs =>
        KubeconfigNames.Select(n => Path.Combine(KubernetesDir, n));

    /// <summary>Load balancer services and the config that says they are meant to run here.</summary>
    public IEnumerable<(string Service, string Config)> LoadBalancers =>
        [("nginx", NginxConf), ("haproxy", HaproxyCfg), ("keepalived", KeepalivedConf)];
}
