using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace KubeHa.Common.Yaml;

/// <summary>
/// Text positions inside a block-style mapping of a <see cref="YamlSourceText"/>, for
/// inserting new entries without touching the others: where a key belongs (before the first
/// key sorting after it when the keys are sorted, as kubeadm and kubectl write them; after
/// the last entry otherwise) and the indentation its siblings use.
/// </summary>
public static class YamlBlockMapping
{
    /// <summary>The indentation (spaces) of the mapping's keys, or null with an error when it is not a block mapping one key per line.</summary>
    public static string? KeyIndent(YamlSourceText doc, YamlMappingNode map, out string error)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(map);
        if (map.Style == MappingStyle.Flow || map.Children.Count == 0)
        {
            error = $"{doc.Where(map)}: a flow mapping ({{...}}) is not edited here";
            return null;
        }

        string? indent = null;
        foreach (var key in map.Children.Keys)
        {
            var start = checked((int)key.Start.Index);
            var prefix = doc.Text[doc.LineStart(start)..start];
            if (prefix.Any(c => c != ' ') || (indent is not null && prefix != indent))
            {
                error = $"{doc.Where(key)}: the mapping's keys are not one per line at the same indentation";
                return null;
            }

            indent = prefix;
        }

        error = string.Empty;
        return indent;
    }

    /// <summary>Index at which a new entry <paramref name="key"/> (whole lines, ending with a newline) is inserted.</summary>
    public static int InsertionPoint(YamlSourceText doc, YamlMappingNode map, string key, string indent)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(map);
        var keys = map.Children.Keys.OfType<YamlScalarNode>().ToList();
        var names = keys.Select(k => k.Value ?? string.Empty).ToList();
        var sorted = names.Zip(names.Skip(1)).All(p => string.CompareOrdinal(p.First, p.Second) <= 0);
        var after = sorted ? keys.FirstOrDefault(k => string.CompareOrdinal(k.Value, key) > 0) : null;
        return after is not null
            ? doc.LineStart(checked((int)after.Start.Index))
            : EntryEnd(doc, keys[^1], indent);
    }

    /// <summary>
    /// Index just past the last line of the entry starting at <paramref name="key"/>: the
    /// following lines that are indented deeper, or are "- " items at the key's own
    /// indentation (how kubeadm writes lists); trailing blank lines are not part of it.
    /// </summary>
    public static int EntryEnd(YamlSourceText doc, YamlNode key, string indent)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(indent);
        var text = doc.Text;
        var end = doc.LineEnd(checked((int)key.Start.Index));
        var position = end;
        while (position < text.Length)
        {
            var lineEnd = doc.LineEnd(position);
            var line = text[position..lineEnd].TrimEnd('\n', '\r');
            if (line.Trim().Length == 0)
            {
                position = lineEnd;
                continue;
            }

            var deeper = line.StartsWith(indent + " ", StringComparison.Ordinal);
            var item = line.StartsWith(indent + "- ", StringComparison.Ordinal) || line == indent + "-";
            if (!deeper && !item)
            {
                break;
            }

            position = lineEnd;
            end = lineEnd;
        }

        return end;
    }

    /// <summary>The text to put before new lines inserted at <paramref name="index"/>: a newline when it is the end of a last line without one.</summary>
    public static string LineBreakBefore(YamlSourceText doc, int index)
    {
        ArgumentNullException.ThrowIfNull(doc);
        return index > 0 && doc.Text[index - 1] != '\n' ? "\n" : string.Empty;
    }

    /// <summary>The indentation step used by nested block mappings of the document (2 when none).</summary>
    public static int IndentStep(YamlSourceText doc, YamlMappingNode root)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(root);
        foreach (var (key, value) in root.Children)
        {
            if (value is YamlMappingNode { Style: not MappingStyle.Flow, Children.Count: > 0 } child)
            {
                var step = child.Children.Keys.First().Start.Column - key.Start.Column;
                if (step > 0)
                {
                    return checked((int)step);
                }
            }
        }

        return 2;
    }
}
