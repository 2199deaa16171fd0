using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using KubeHa.Common.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// Edits kubeadm's ClusterConfiguration as held in ConfigMap kube-system/kubeadm-config:
/// sets <c>controlPlaneEndpoint</c> and adds <c>apiServer.certSANs</c>. Nodes are located
/// by the parser's positions and only the changed spans are spliced, so every other byte
/// (comments, order, quoting) stays as it was; new keys go where kubeadm would sort them.
/// </summary>
internal static partial class ClusterConfigurationYaml
{
    public const string Source = "kube-system/kubeadm-config#ClusterConfiguration";

    /// <summary>controlPlaneEndpoint (null when absent) and apiServer.certSANs, or null with an error.</summary>
    public static ClusterConfigurationValues? Read(string text, out string error)
    {
        var doc = YamlSourceText.TryParse(Source, text, out error);
        if (doc is null)
        {
            return null;
        }

        if (doc.Root is not YamlMappingNode root)
        {
            error = $"{doc.Where(doc.Root)}: ClusterConfiguration is not a mapping";
            return null;
        }

        var endpoint = (YamlSourceText.Child(root, "controlPlaneEndpoint") as YamlScalarNode)?.Value;
        var sans = YamlSourceText.Child(YamlSourceText.Child(root, "apiServer"), "certSANs") is YamlSequenceNode seq
            ? seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList()
            : [];
        return new ClusterConfigurationValues(string.IsNullOrEmpty(endpoint) ? null : endpoint, sans);
    }

    /// <returns>The new text (the same text when nothing changes), or null with an error.</returns>
    public static string? Edit(string text, string? endpoint, IReadOnlyList<string> certSans, out string error)
    {
        var doc = YamlSourceText.TryParse(Source, text, out error);
        if (doc is null)
        {
            return null;
        }

        if (doc.Root is not YamlMappingNode root)
        {
            error = $"{doc.Where(doc.Root)}: ClusterConfiguration is not a mapping";
            return null;
        }

        var indent = YamlBlockMapping.KeyIndent(doc, root, out error);
        if (indent is null)
        {
            return null;
        }

        var edits = new List<TextEdit>();
        if (!string.IsNullOrEmpty(endpoint) && !EditEndpoint(doc, root, indent, endpoint, edits, out error))
        {
            return null;
        }

        var existing = Read(text, out error)!.CertSans.Select(SanKey).ToHashSet(StringComparer.Ordinal);
        var wanted = new List<string>();
        foreach (var san in certSans.Where(s => s.Length > 0))
        {
            if (existing.Add(SanKey(san)))
            {
                wanted.Add(san);
            }
        }

        if (wanted.Count > 0 && !AddSans(doc, root, indent, wanted, edits, out error))
        {
            return null;
        }

        return edits.Count == 0 ? text : doc.Apply(edits);
    }

    /// <summary>How SANs compare: IP addresses by value, names case-insensitively.</summary>
    public static string SanKey(string san) =>
        IPAddress.TryParse(san, out var ip) ? ip.ToString() : san.ToUpperInvariant();

    private static bool EditEndpoint(YamlSourceText doc, YamlMappingNode root, string indent, string endpoint, List<TextEdit> edits, out string error)
    {
        error = string.Empty;
        var key = root.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == "controlPlaneEndpoint");
        if (key is null)
        {
            var at = YamlBlockMapping.InsertionPoint(doc, root, "controlPlaneEndpoint", indent);
            edits.Add(new TextEdit(at, at, YamlBlockMapping.LineBreakBefore(doc, at) + indent + "controlPlaneEndpoint: " + Render(endpoint, flow: false) + "\n", 1));
            return true;
        }

        switch (root.Children[key])
        {
            case YamlScalarNode value when value.Value == endpoint:
                return true;
            case YamlScalarNode { Style: ScalarStyle.Plain } value when value.Start.Index == value.End.Index:
                edits.Add(new TextEdit(checked((int)key.End.Index), checked((int)value.End.Index), ": " + Render(endpoint, flow: false)));
                return true;
            case YamlScalarNode value:
                var edit = doc.ReplaceScalar(value, endpoint, out error);
                if (edit is not null)
                {
                    edits.Add(edit);
                }

                return edit is not null;
            default:
                error = $"{doc.Where(key)}: controlPlaneEndpoint is not a scalar";
                return false;
        }
    }

    private static bool AddSans(YamlSourceText doc, YamlMappingNode root, string indent, List<string> sans, List<TextEdit> edits, out string error)
    {
        error = string.Empty;
        var child = indent + new string(' ', YamlBlockMapping.IndentStep(doc, root));
        var key = root.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == "apiServer");
        if (key is null)
        {
            var at = YamlBlockMapping.InsertionPoint(doc, root, "apiServer", indent);
            edits.Add(new TextEdit(at, at, YamlBlockMapping.LineBreakBefore(doc, at) + indent + "apiServer:\n" + child + "certSANs:\n" + Items(child, sans), 2));
            return true;
        }

        var value = root.Children[key];
        if (value is YamlMappingNode { Style: MappingStyle.Flow, Children.Count: 0 } or YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or null or "null" or "~" })
        {
            // "apiServer: {}" or "apiServer:": the value becomes a block mapping on the next lines.
            var keyEnd = checked((int)key.End.Index);
            if (doc.Text[keyEnd..checked((int)value.Start.Index)].Trim() is not (":" or ""))
            {
                error = $"{doc.Where(key)}: unexpected text between apiServer and its value";
                return false;
            }

            var valueEnd = value is YamlMappingNode ? doc.FlowEnd(value) : checked((int)value.End.Index);
            if (valueEnd < 0)
            {
                error = $"{doc.Where(value)}: apiServer's {{}} is not closed";
                return false;
            }

            edits.Add(new TextEdit(keyEnd, valueEnd, ":\n" + child + "certSANs:\n" + Items(child, sans).TrimEnd('\n')));
            return true;
        }

        if (value is not YamlMappingNode apiServer)
        {
            error = $"{doc.Where(value)}: apiServer is not a mapping";
            return false;
        }

        var apiIndent = YamlBlockMapping.KeyIndent(doc, apiServer, out error);
        if (apiIndent is null)
        {
            return false;
        }

        return YamlSourceText.Child(apiServer, "certSANs") switch
        {
            null => Insert(YamlBlockMapping.InsertionPoint(doc, apiServer, "certSANs", apiIndent), apiIndent + "certSANs:\n" + Items(apiIndent, sans)),
            YamlSequenceNode { Style: SequenceStyle.Flow } flow => AppendFlow(doc, flow, sans, edits, out error),
            YamlSequenceNode { Children.Count: > 0 } block => AppendBlock(doc, block, sans, edits, out error),
            var other => Fail(doc, other, out error),
        };

        bool Insert(int at, string lines)
        {
            edits.Add(new TextEdit(at, at, YamlBlockMapping.LineBreakBefore(doc, at) + lines, 2));
            return true;
        }
    }

    private static bool AppendBlock(YamlSourceText doc, YamlSequenceNode seq, List<string> sans, List<TextEdit> edits, out string error)
    {
        var last = seq.Children[^1];
        var start = checked((int)last.Start.Index);
        var prefix = doc.Text[doc.LineStart(start)..start];
        if (last is not YamlScalarNode || !ItemPrefix().IsMatch(prefix))
        {
            error = $"{doc.Where(last)}: certSANs items are not one '- item' per line";
            return false;
        }

        var at = doc.LineEnd(checked((int)last.End.Index));
        var lines = new StringBuilder(YamlBlockMapping.LineBreakBefore(doc, at));
        foreach (var san in sans)
        {
            lines.Append(prefix).Append(Render(san, flow: false)).Append('\n');
        }

        edits.Add(new TextEdit(at, at, lines.ToString(), 2));
        error = string.Empty;
        return true;
    }

    private static bool AppendFlow(YamlSourceText doc, YamlSequenceNode seq, List<string> sans, List<TextEdit> edits, out string error)
    {
        var close = doc.FlowEnd(seq) - 1;
        if (close < 0 || doc.Text[close] != ']')
        {
            error = $"{doc.Where(seq)}: certSANs flow list does not end with ']'";
            return false;
        }

        var items = string.Join(", ", sans.Select(s => Render(s, flow: true)));
        edits.Add(new TextEdit(close, close, (seq.Children.Count > 0 ? ", " : string.Empty) + items, 2));
        error = string.Empty;
        return true;
    }

    private static bool Fail(YamlSourceText doc, YamlNode node, out string error)
    {
        error = $"{doc.Where(node)}: apiServer.certSANs is not a list";
        return false;
    }

    private static string Items(string indent, IEnumerable<string> sans) =>
        string.Concat(sans.Select(s => indent + "- " + Render(s, flow: false) + "\n"));

    private static string Render(string value, bool flow) =>
        YamlSourceText.IsPlainSafe(value) && !(flow && value.AsSpan().IndexOfAny(",[]{}") >= 0) ? value : YamlSourceText.DoubleQuoted(value);

    [GeneratedRegex("^ *- +$")]
    private static partial Regex ItemPrefix();
}
