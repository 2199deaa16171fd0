using k8s;
using k8s.Models;
using KubeHa.Common.Text;

namespace KubeHa.Coordinator.Cluster;

/// <summary>Renders a <see cref="FieldChange"/> as a unified diff: ConfigMap values as they are, annotations as one line, affinity as YAML.</summary>
internal static class ChangeDiff
{
    public static ClusterValueDiff Render(FieldChange change) =>
        new(change.Path, UnifiedDiff.Create(Text(change, change.Before), Text(change, change.After), change.Path));

    private static string? Text(FieldChange change, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (change.Field.StartsWith(FieldChange.AnnotationPrefix, StringComparison.Ordinal))
        {
            return $"{change.Field[FieldChange.AnnotationPrefix.Length..]}: {value}\n";
        }

        return change.Field == FieldChange.Affinity
            ? KubernetesYaml.Serialize(KubernetesJson.Deserialize<V1Affinity>(value))
            : value;
    }
}
