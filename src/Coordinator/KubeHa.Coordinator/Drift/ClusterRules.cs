using k8s.Models;
using KubeHa.Protos.Agent.V1;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeHa.Coordinator.Drift;

/// <summary>
/// The cluster-level drift rules, on Kubernetes objects and etcd member health: pure logic,
/// fed by <see cref="ClusterDriftChecker"/>.
/// </summary>
public static class ClusterRules
{
    /// <summary>Node name used for items about the cluster as a whole.</summary>
    public const string ClusterNode = "cluster";

    public static DriftItem Item(string node, DriftKind kind, string subject, string expected, string actual, string source) => new()
    {
        Id = $"{node}/{KindName(kind)}/{subject}",
        Node = node,
        Kind = kind,
        Subject = subject,
        Expected = expected,
        Actual = actual,
        Source = source,
    };

    public static string KindName(DriftKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>An even member count (quorum survives no more failures than with one member less) or an unhealthy member.</summary>
    public static IEnumerable<DriftItem> EtcdMembers(IReadOnlyList<EtcdMemberHealth> members, string source)
    {
        if (members.Count > 0 && members.Count % 2 == 0)
        {
            yield return Item(ClusterNode, DriftKind.EtcdMembers, "etcd", "an odd number of members (3 or more)",
                $"{members.Count} members: {string.Join(", ", members.Select(m => m.Name))}", source);
        }

        foreach (var m in members.Where(m => !m.Healthy))
        {
            yield return Item(m.Node.Length > 0 ? m.Node : ClusterNode, DriftKind.EtcdMembers, $"etcd/{m.Name}", "healthy", m.Detail, source);
        }
    }

    /// <summary>Every CoreDNS replica on one node: that node's loss takes cluster DNS down.</summary>
    public static IEnumerable<DriftItem> CoreDnsPlacement(IEnumerable<V1Pod> pods)
    {
        var placed = pods.Where(p => p.Metadata?.DeletionTimestamp is null && !string.IsNullOrEmpty(p.Spec?.NodeName)).ToList();
        var nodes = placed.Select(p => p.Spec.NodeName).Distinct(StringComparer.Ordinal).ToList();
        if (placed.Count >= 2 && nodes.Count == 1)
        {
            yield return Item(nodes[0], DriftKind.CorednsPlacement, "kube-system/coredns", "replicas on at least 2 nodes",
                $"all {placed.Count} replicas on {nodes[0]}", "rule:coredns-spread");
        }
    }

    /// <summary>The kubeconfig inside kube-system/kube-proxy and kube-public/cluster-info must use the endpoint.</summary>
    public static IEnumerable<DriftItem> ConfigMapEndpoints(V1ConfigMap? kubeProxy, V1ConfigMap? clusterInfo, string endpointUrl)
    {
        foreach (var (map, key, subject) in new[] { (kubeProxy, "kubeconfig.conf", "kube-system/kube-proxy"), (clusterInfo, "kubeconfig", "kube-public/cluster-info") })
        {
            if (map is null)
            {
                continue;
            }

            var text = map.Data?.TryGetValue(key, out var value) == true ? value : null;
            var servers = text is null ? null : Servers(text);
            if (servers is null)
            {
                yield return Item(ClusterNode, DriftKind.ConfigmapEndpoint, subject, endpointUrl, $"no readable kubeconfig under '{key}'", "rule:configmap-endpoint");
                continue;
            }

            var wrong = servers.Where(s => !SameServer(s, endpointUrl)).Distinct(StringComparer.Ordinal).ToList();
            if (wrong.Count > 0)
            {
                yield return Item(ClusterNode, DriftKind.ConfigmapEndpoint, subject, endpointUrl, string.Join(",", wrong), "rule:configmap-endpoint");
            }
        }
    }

    public static IEnumerable<DriftItem> NodesNotReady(IEnumerable<V1Node> nodes)
    {
        foreach (var node in nodes)
        {
            var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
            if (ready?.Status != "True")
            {
                var name = node.Metadata?.Name ?? "?";
                yield return Item(name, DriftKind.NodeNotReady, $"node/{name}", "Ready=True",
                    ready is null ? "no Ready condition" : $"Ready={ready.Status}{(string.IsNullOrEmpty(ready.Reason) ? string.Empty : $" ({ready.Reason})")}", "rule:node-ready");
            }
        }
    }

    /// <summary>server: of every cluster of a kubeconfig; null when the text is not one.</summary>
    public static List<string>? Servers(string kubeconfig)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(kubeconfig));
        }
        catch (YamlException)
        {
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root ||
            !root.Children.TryGetValue(new YamlScalarNode("clusters"), out var clusters) || clusters is not YamlSequenceNode list)
        {
            return null;
        }

        return list.Children.OfType<YamlMappingNode>()
            .Select(c => c.Children.TryGetValue(new YamlScalarNode("cluster"), out var cluster) && cluster is YamlMappingNode m &&
                         m.Children.TryGetValue(new YamlScalarNode("server"), out var server) ? (server as YamlScalarNode)?.Value : null)
            .OfType<string>()
            .ToList();
    }

    public static bool SameServer(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string server) =>
        Uri.TryCreate(server.Contains("://", StringComparison.Ordinal) ? server : "https://" + server, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : server;
}
