using System.Text.Json.Nodes;

namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// One value a cluster step replaces: <see cref="Before"/> (null: absent) becomes
/// <see cref="After"/> (null: removed) in field <see cref="Field"/> of one object. What is
/// saved before a write and put back by a rollback.
/// Fields: <c>data/KEY</c> (ConfigMap), <c>template/annotations/NAME</c> and
/// <c>template/affinity</c> (JSON) of a DaemonSet's or Deployment's pod template.
/// </summary>
internal sealed record FieldChange(string Kind, string Namespace, string Name, string Field, string? Before, string? After)
{
    public const string ConfigMap = "ConfigMap";
    public const string DaemonSet = "DaemonSet";
    public const string Deployment = "Deployment";
    public const string DataPrefix = "data/";
    public const string AnnotationPrefix = "template/annotations/";
    public const string Affinity = "template/affinity";

    /// <summary>True once the write carrying this change went through (kept in the backup file).</summary>
    public bool Applied { get; init; }

    public string Object => $"{Kind} {Namespace}/{Name}";

    /// <summary>Where the change is, for diffs and messages.</summary>
    public string Path => $"/{Namespace}/{Resource(Kind)}/{Name}/{Field}";

    /// <summary>The API's plural resource name of a kind.</summary>
    public static string Resource(string kind) => kind switch
    {
        ConfigMap => "configmaps",
        DaemonSet => "daemonsets",
        Deployment => "deployments",
        _ => kind,
    };

    /// <summary>Values compare as text, JSON fields by structure (the API server may reorder keys).</summary>
    public bool Same(string? a, string? b)
    {
        if (a is null || b is null || Field != Affinity)
        {
            return a == b;
        }

        return JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));
    }
}
