using KubeHa.Common.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubeHa.Agent.Drift;

/// <summary>The <c>server:</c> of each cluster of a kubeconfig.</summary>
internal static class KubeconfigServers
{
    /// <returns>(cluster name, server) pairs, or null with an error when the file is not a readable kubeconfig.</returns>
    public static List<(string Cluster, string Server)>? Read(DriftReads reads, string path, out string error)
    {
        byte[] bytes;
        try
        {
            bytes = reads.Bytes(path) ?? throw new FileNotFoundException("no such file", path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot read: {e.Message}";
            return null;
        }

        var doc = YamlSourceText.TryParse(path, bytes, out error);
        if (doc is null)
        {
            return null;
        }

        if (YamlSourceText.Child(doc.Root, "clusters") is not YamlSequenceNode clusters)
        {
            error = $"{path}: no 'clusters' list; not a kubeconfig";
            return null;
        }

        return clusters.Children
            .Select(c => ((YamlSourceText.Child(c, "name") as YamlScalarNode)?.Value ?? string.Empty,
                (YamlSourceText.Child(YamlSourceText.Child(c, "cluster"), "server") as YamlScalarNode)?.Value ?? string.Empty))
            .ToList();
    }

    /// <summary>Same endpoint: scheme, host and port compared after normalization (default port, case).</summary>
    public static bool SameServer(string a, string b) =>
        string.Equals(DriftConfig.NormalizeServer(a) ?? a, DriftConfig.NormalizeServer(b) ?? b, StringComparison.OrdinalIgnoreCase);
}
