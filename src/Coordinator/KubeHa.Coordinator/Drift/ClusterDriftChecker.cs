using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Drift;

/// <summary>
/// Reads what the cluster rules need through the Kubernetes API (kubeconfig from the inventory).
/// etcd membership and health come from the etcd static pods (stacked etcd: component=etcd in
/// kube-system, health = the pod's Ready condition); the etcd API itself is not queried, so an
/// external etcd is not covered.
/// </summary>
public sealed class ClusterDriftChecker(IKubernetes kubernetes, string endpointUrl)
{
    public const string EtcdSource = "rule:etcd-members (from the etcd static pods; the etcd API is not queried)";

    public static ClusterDriftChecker FromKubeconfig(string kubeconfigPath, string endpointUrl) =>
        new(new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath)), endpointUrl);

    /// <summary>Runs every cluster rule; throws <see cref="HttpOperationException"/> or <see cref="HttpRequestException"/> when the API cannot be read.</summary>
    public async Task<List<DriftItem>> CheckAsync(CancellationToken cancellationToken)
    {
        var items = new List<DriftItem>();
        var nodes = await kubernetes.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        items.AddRange(ClusterRules.NodesNotReady(nodes.Items));

        var dns = await kubernetes.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "k8s-app=kube-dns", cancellationToken: cancellationToken).ConfigureAwait(false);
        items.AddRange(ClusterRules.CoreDnsPlacement(dns.Items));

        var etcd = await kubernetes.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: "component=etcd", cancellationToken: cancellationToken).ConfigureAwait(false);
        items.AddRange(ClusterRules.EtcdMembers(etcd.Items.Select(EtcdFromPod).ToList(), EtcdSource));

        var kubeProxy = await ReadConfigMapAsync("kube-system", "kube-proxy", cancellationToken).ConfigureAwait(false);
        var clusterInfo = await ReadConfigMapAsync("kube-public", "cluster-info", cancellationToken).ConfigureAwait(false);
        items.AddRange(ClusterRules.ConfigMapEndpoints(kubeProxy, clusterInfo, endpointUrl));
        return items.GroupBy(i => i.Id, StringComparer.Ordinal).Select(g => g.First()).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
    }

    public static EtcdMemberHealth EtcdFromPod(V1Pod pod)
    {
        var ready = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        var healthy = ready?.Status == "True";
        return new EtcdMemberHealth(pod.Metadata?.Name ?? "?", pod.Spec?.NodeName ?? string.Empty, healthy,
            healthy ? "Ready" : $"pod {pod.Status?.Phase ?? "?"}, Ready={ready?.Status ?? "unknown"}");
    }

    private async Task<V1ConfigMap?> ReadConfigMapAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await kubernetes.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
