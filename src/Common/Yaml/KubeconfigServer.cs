using YamlDotNet.RepresentationModel;

namespace KubeHa.Common.Yaml;

/// <summary>
/// Reads and sets <c>clusters[*].cluster.server</c> of a kubeconfig by splicing only the
/// value's text (certificate data, comments and key order stay byte for byte). Used by the
/// agent for kubeconfig files and by the coordinator for the kubeconfigs held in ConfigMaps
/// (kube-public/cluster-info, kube-system/kube-proxy).
/// </summary>
public static class KubeconfigServer
{
    /// <summary>
    /// Sets the server of the clusters named in <paramref name="filter"/> (all when empty).
    /// The old servers are added to <paramref name="oldServers"/> as <c>NAME =&gt; server</c>.
    /// </summary>
    /// <returns>The new text (the old one when nothing changes), or null with an error.</returns>
    public static string? Edit(YamlSourceText doc, string server, IReadOnlySet<string> filter, IDictionary<string, string> oldServers, out string error)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(oldServers);
        var entries = Clusters(doc, filter, out error);
        if (entries is null)
        {
            return null;
        }

        var edits = new List<TextEdit>();
        foreach (var (name, serverNode) in entries)
        {
            oldServers[name] = serverNode.Value ?? string.Empty;
            if (serverNode.Value == server)
            {
                continue;
            }

            var edit = doc.ReplaceScalar(serverNode, server, out error);
            if (edit is null)
            {
                return null;
            }

            edits.Add(edit);
        }

        return edits.Count == 0 ? doc.Text : doc.Apply(edits);
    }

    /// <summary>The server of every cluster (name to server), or null with an error.</summary>
    public static IReadOnlyDictionary<string, string>? Read(YamlSourceText doc, out string error)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var entries = Clusters(doc, new HashSet<string>(), out error);
        return entries?.ToDictionary(e => e.Name, e => e.Server.Value ?? string.Empty, StringComparer.Ordinal);
    }

    /// <summary>True for http(s)://host[:port] without a path, user info or characters that would need YAML quoting.</summary>
    public static bool IsServerUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) &&
        !string.IsNullOrEmpty(uri.Host) && uri.PathAndQuery == "/" && string.IsNullOrEmpty(uri.UserInfo) &&
        !value.EndsWith('/') && YamlSourceText.IsPlainSafe(value);

    private static List<(string Name, YamlScalarNode Server)>? Clusters(YamlSourceText doc, IReadOnlySet<string> filter, out string error)
    {
        if (YamlSourceText.Child(doc.Root, "clusters") is not YamlSequenceNode clusters)
        {
            error = $"{doc.Where(doc.Root)}: no 'clusters' list; not a kubeconfig";
            return null;
        }

        var found = new List<(string, YamlScalarNode)>();
        foreach (var entry in clusters.Children)
        {
            var name = (YamlSourceText.Child(entry, "name") as YamlScalarNode)?.Value ?? string.Empty;
            if (filter.Count > 0 && !filter.Contains(name))
            {
                continue;
            }

            if (YamlSourceText.Child(YamlSourceText.Child(entry, "cluster"), "server") is not YamlScalarNode serverNode)
            {
                error = $"{doc.Where(entry)}: cluster '{name}' has no scalar cluster.server";
                return null;
            }

            found.Add((name, serverNode));
        }

        if (found.Count == 0)
        {
            error = filter.Count > 0
                ? $"{doc.Path}: no cluster named {string.Join(", ", filter)}"
                : $"{doc.Path}: the clusters list is empty";
            return null;
        }

        error = string.Empty;
        return found;
    }
}
