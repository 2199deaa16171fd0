using k8s;
using k8s.Models;

namespace KubeHa.Coordinator.Cluster;

/// <summary>A ConfigMap, DaemonSet or Deployment as read, with the fields cluster steps change.</summary>
internal sealed class KubeObject(string kind, IKubernetesObject<V1ObjectMeta> model)
{
    public string Kind { get; } = kind;

    public IKubernetesObject<V1ObjectMeta> Model { get; } = model;

    public string ResourceVersion => Model.Metadata.ResourceVersion;

    public string? Get(string field)
    {
        if (field.StartsWith(FieldChange.DataPrefix, StringComparison.Ordinal))
        {
            return ConfigMap.Data?.TryGetValue(field[FieldChange.DataPrefix.Length..], out var v) == true ? v : null;
        }

        var template = Template;
        if (field.StartsWith(FieldChange.AnnotationPrefix, StringComparison.Ordinal))
        {
            return template.Metadata?.Annotations?.TryGetValue(field[FieldChange.AnnotationPrefix.Length..], out var v) == true ? v : null;
        }

        if (field == FieldChange.Affinity)
        {
            return template.Spec.Affinity is null ? null : KubernetesJson.Serialize(template.Spec.Affinity);
        }

        throw new ArgumentException($"unknown field '{field}' of {Kind}", nameof(field));
    }

    public void Set(string field, string? value)
    {
        if (field.StartsWith(FieldChange.DataPrefix, StringComparison.Ordinal))
        {
            var key = field[FieldChange.DataPrefix.Length..];
            var data = ConfigMap.Data ??= new Dictionary<string, string>();
            Put(data, key, value);
            return;
        }

        var template = Template;
        if (field.StartsWith(FieldChange.AnnotationPrefix, StringComparison.Ordinal))
        {
            template.Metadata ??= new V1ObjectMeta();
            var annotations = template.Metadata.Annotations ??= new Dictionary<string, string>();
            Put(annotations, field[FieldChange.AnnotationPrefix.Length..], value);
            return;
        }

        if (field == FieldChange.Affinity)
        {
            template.Spec.Affinity = value is null ? null : KubernetesJson.Deserialize<V1Affinity>(value);
            return;
        }

        throw new ArgumentException($"unknown field '{field}' of {Kind}", nameof(field));
    }

    private V1ConfigMap ConfigMap => Model as V1ConfigMap ?? throw new InvalidOperationException($"{Kind} has no data fields");

    private V1PodTemplateSpec Template => Model switch
    {
        V1DaemonSet ds => ds.Spec.Template,
        V1Deployment d => d.Spec.Template,
        _ => throw new InvalidOperationException($"{Kind} has no pod template"),
    };

    private static void Put(IDictionary<string, string> map, string key, string? value)
    {
        if (value is null)
        {
            map.Remove(key);
        }
        else
        {
            map[key] = value;
        }
    }
}
