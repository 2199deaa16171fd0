using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;

namespace KubeHa.Lab.Kubelet;

/// <summary>A static pod manifest as read from the manifest directory.</summary>
internal sealed record StaticPod(string File, string Hash, V1Pod Pod)
{
    public string Namespace => string.IsNullOrEmpty(Pod.Metadata?.NamespaceProperty) ? "default" : Pod.Metadata.NamespaceProperty;

    public string Name => Pod.Metadata?.Name ?? System.IO.Path.GetFileNameWithoutExtension(File);

    /// <summary>Reads <paramref name="file"/>; returns null with a reason when it is not a usable pod.</summary>
    public static StaticPod? Read(string file, out string? problem)
    {
        problem = null;
        string text;
        try
        {
            text = System.IO.File.ReadAllText(file);
        }
        catch (IOException e)
        {
            problem = $"{file}: cannot read: {e.Message}";
            return null;
        }

        V1Pod pod;
        try
        {
            pod = KubernetesYaml.Deserialize<V1Pod>(text);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException or InvalidOperationException)
        {
            problem = $"{file}: not a pod manifest: {e.Message}";
            return null;
        }

        if (pod?.Spec?.Containers is not { Count: > 0 } containers || string.IsNullOrEmpty(pod.Metadata?.Name))
        {
            problem = $"{file}: pod has no metadata.name or no containers";
            return null;
        }

        foreach (var c in containers)
        {
            if (c.Command is not { Count: > 0 })
            {
                problem = $"{file}: container {c.Name} has no command (the lab runs commands, not images)";
                return null;
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        return new StaticPod(file, hash, pod);
    }
}
