using KubeHa.Agent.Actions.LoadBalancer;
using KubeHa.Common.Text;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>Builds drift items with their stable id, and masked, bounded diffs.</summary>
internal static class DriftItems
{
    /// <summary>Longest diff carried in a report; longer ones are cut with a note.</summary>
    public const int MaxDiffChars = 64 * 1024;

    public static DriftItem Create(string node, DriftKind kind, string subject, string expected, string actual,
        bool correctable, string source, string diff = "") => new()
    {
        Id = IdOf(node, kind, subject),
        Node = node,
        Kind = kind,
        Subject = subject,
        Expected = expected,
        Actual = actual,
        UnifiedDiff = diff,
        Correctable = correctable,
        Source = source,
    };

    public static string IdOf(string node, DriftKind kind, string subject) => $"{node}/{KindName(kind)}/{subject}";

    /// <summary>"file_content" for DRIFT_KIND_FILE_CONTENT.</summary>
    public static string KindName(DriftKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>Diff from what is expected to what is there; key material and passwords masked.</summary>
    public static string Diff(string? expected, string? actual, string path)
    {
        var diff = UnifiedDiff.Create(expected is null ? null : Mask(expected), actual is null ? null : Mask(actual), path);
        return diff.Length <= MaxDiffChars ? diff : diff[..MaxDiffChars] + "\n... diff cut at 64 KiB\n";
    }

    public static string Mask(string text) => KeepalivedConfigRenderer.MaskAuthPass(Actions.KubeconfigEndpoint.KubeconfigEndpointAction.MaskKeyData(text));
}
