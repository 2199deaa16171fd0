using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeHa.Common.Yaml;

/// <summary>
/// A YAML file kept as its original text plus the node tree YamlDotNet parsed from it. The
/// tree is used only to find where values are (<see cref="YamlNode.Start"/>,
/// <see cref="YamlNode.End"/>); edits splice those spans of the original text, so comments,
/// key order, quoting and everything else not edited stay byte for byte (re-serialising
/// with YamlDotNet would drop comments and add a document end marker).
/// </summary>
public sealed class YamlSourceText
{
    private YamlSourceText(string path, string text, YamlNode root)
    {
        Path = path;
        Text = text;
        Root = root;
    }

    public string Path { get; }
    public string Text { get; }
    public YamlNode Root { get; }

    /// <summary>Parses <paramref name="bytes"/>; on failure returns null and an error naming path:line:col.</summary>
    public static YamlSourceText? TryParse(string path, byte[] bytes, out string error)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            error = $"{path}: not valid UTF-8";
            return null;
        }

        return TryParse(path, text, out error);
    }

    /// <summary>Parses <paramref name="text"/>; on failure returns null and an error naming path:line:col.</summary>
    public static YamlSourceText? TryParse(string path, string text, out string error)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{path}:{e.Start.Line}:{e.Start.Column}: {Describe(e)}");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            error = $"{path}: empty YAML document";
            return null;
        }

        error = string.Empty;
        return new YamlSourceText(path, text, stream.Documents[0].RootNode);
    }

    /// <summary>path:line:col of a node, for messages.</summary>
    public string Where(YamlNode node) =>
        string.Create(CultureInfo.InvariantCulture, $"{Path}:{node.Start.Line}:{node.Start.Column}");

    public static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>Applies non-overlapping edits to the original text and returns the new text.</summary>
    public string Apply(IEnumerable<TextEdit> edits)
    {
        var text = new StringBuilder(Text);
        foreach (var edit in edits.OrderByDescending(e => e.Start).ThenByDescending(e => e.Order))
        {
            text.Remove(edit.Start, edit.End - edit.Start).Insert(edit.Start, edit.Replacement);
        }

        return text.ToString();
    }

    /// <summary>An edit replacing the scalar's text, keeping its quoting style.</summary>
    public TextEdit? ReplaceScalar(YamlScalarNode node, string value, out string error)
    {
        string replacement;
        switch (node.Style)
        {
            case ScalarStyle.Plain or ScalarStyle.Any:
                replacement = IsPlainSafe(value) ? value : DoubleQuoted(value);
                break;
            case ScalarStyle.SingleQuoted:
                replacement = "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
                break;
            case ScalarStyle.DoubleQuoted:
                replacement = DoubleQuoted(value);
                break;
            default:
                error = $"{Where(node)}: block scalar ({node.Style}) not supported here";
                return null;
        }

        error = string.Empty;
        return new TextEdit(checked((int)node.Start.Index), checked((int)node.End.Index), replacement);
    }

    /// <summary>True when the value can be written as a plain scalar and reads back as the same string.</summary>
    public static bool IsPlainSafe(string value)
    {
        if (value.Length == 0 || value[0] is ':' or '%' or '@' or ',' or '[' or ']' || value == "-" || value.EndsWith(':') ||
            ReservedPlain.Contains(value) || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return false;
        }

        return value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+[]".Contains(c, StringComparison.Ordinal));
    }

    private static readonly HashSet<string> ReservedPlain = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    public static string DoubleQuoted(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// Index just past the closing bracket of the flow collection ([...] or {...}) starting at
    /// <paramref name="node"/>, or -1. YamlDotNet's collection nodes end where their opening
    /// token ends, so the closing one is found here, skipping quoted text and nested collections.
    /// </summary>
    public int FlowEnd(YamlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var depth = 0;
        for (var i = checked((int)node.Start.Index); i < Text.Length; i++)
        {
            switch (Text[i])
            {
                case '[' or '{':
                    depth++;
                    break;
                case ']' or '}':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
                case '"':
                    while (++i < Text.Length && Text[i] != '"')
                    {
                        i += Text[i] == '\\' ? 1 : 0;
                    }

                    break;
                case '\'':
                    while (++i < Text.Length && !(Text[i] == '\'' && (i + 1 >= Text.Length || Text[i + 1] != '\'')))
                    {
                        i += Text[i] == '\'' ? 1 : 0;
                    }

                    break;
            }

            if (depth == 0)
            {
                return -1;
            }
        }

        return -1;
    }

    /// <summary>Index of the first character of the line holding <paramref name="index"/>.</summary>
    public int LineStart(int index) => index == 0 ? 0 : Text.LastIndexOf('\n', index - 1) + 1;

    /// <summary>Index just past the newline ending the line holding <paramref name="index"/> (or the text end).</summary>
    public int LineEnd(int index)
    {
        var newline = Text.IndexOf('\n', index);
        return newline < 0 ? Text.Length : newline + 1;
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes "(Line: .., Col: .., Idx: ..) - (..): "; the position is reported separately.
        var message = e.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;
    }
}
