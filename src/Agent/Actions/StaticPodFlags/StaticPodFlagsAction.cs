using System.Text.RegularExpressions;
using KubeHa.Agent.Steps;
using KubeHa.Common.Yaml;
using KubeHa.Protos.Agent.V1;
using YamlDotNet.RepresentationModel;
using StaticPodFlagsSpec = KubeHa.Protos.Agent.V1.StaticPodFlagsAction;

namespace KubeHa.Agent.Actions.StaticPodFlags;

/// <summary>
/// Sets, replaces or removes <c>--flag=value</c> items in a static pod's container command
/// (<c>--initial-cluster</c>, <c>--etcd-servers</c>, <c>--advertise-address</c>). Edits splice
/// only the affected lines; a new item copies the indentation of the last existing one.
/// Previous values are returned as <c>old_flag:NAME</c> (empty when absent).
/// </summary>
internal sealed partial class StaticPodFlagsAction : IStepAction
{
    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.StaticPodFlags;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var action = spec.StaticPodFlags;
        var invalid = Validate(action);
        if (invalid is not null)
        {
            return ActionResult.Refused($"static_pod_flags: {invalid}");
        }

        var bytes = context.Files.Read(action.ManifestPath);
        if (bytes is null)
        {
            return ActionResult.Failed($"{action.ManifestPath}: static pod manifest does not exist");
        }

        var text = Edit(action, bytes, context.Outputs, out var error);
        if (text is null)
        {
            return ActionResult.Failed(error);
        }

        if (context.Files.Write(action.ManifestPath, text, File.GetUnixFileMode(action.ManifestPath)))
        {
            await context.ProgressAsync($"{action.ManifestPath}: flags updated").ConfigureAwait(false);
        }

        return ActionResult.Succeeded();
    }

    private static string? Validate(StaticPodFlagsSpec action)
    {
        if (string.IsNullOrEmpty(action.ManifestPath))
        {
            return "manifest_path is empty";
        }

        if (action.Set.Count == 0 && action.Remove.Count == 0)
        {
            return "nothing to set or remove";
        }

        var names = action.Set.Select(f => f.Name).Concat(action.Remove).ToList();
        var bad = names.Where(n => !FlagName().IsMatch(n)).ToList();
        if (bad.Count > 0)
        {
            return $"invalid flag name(s) {string.Join(", ", bad.Select(n => $"'{n}'"))}: use [a-z0-9-] without leading dashes";
        }

        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? null : $"flag '{duplicate.Key}' named more than once";
    }

    /// <returns>The new text (equal to the old when nothing changes), or null with an error.</returns>
    internal static string? Edit(StaticPodFlagsSpec action, byte[] bytes, IDictionary<string, string> outputs, out string error)
    {
        var path = action.ManifestPath;
        var doc = YamlSourceText.TryParse(path, bytes, out error);
        if (doc is null)
        {
            return null;
        }

        if (YamlSourceText.Child(YamlSourceText.Child(doc.Root, "spec"), "containers") is not YamlSequenceNode { Children.Count: > 0 } containers)
        {
            error = $"{doc.Where(doc.Root)}: no spec.containers list; not a pod manifest";
            return null;
        }

        var container = string.IsNullOrEmpty(action.ContainerName)
            ? containers.Children[0]
            : containers.Children.FirstOrDefault(c => (YamlSourceText.Child(c, "name") as YamlScalarNode)?.Value == action.ContainerName);
        if (container is null)
        {
            error = $"{doc.Where(containers)}: no container named '{action.ContainerName}'";
            return null;
        }

        if (YamlSourceText.Child(container, "command") is not YamlSequenceNode { Children.Count: > 0 } command)
        {
            error = $"{doc.Where(container)}: the container has no command list";
            return null;
        }

        if (command.Style == YamlDotNet.Core.Events.SequenceStyle.Flow)
        {
            error = $"{doc.Where(command)}: command is a flow sequence ([...]); only block sequences are edited";
            return null;
        }

        var items = new List<YamlScalarNode>();
        foreach (var item in command.Children)
        {
            if (item is not YamlScalarNode scalar)
            {
                error = $"{doc.Where(item)}: command item is not a scalar";
                return null;
            }

            items.Add(scalar);
        }

        var edits = new List<TextEdit>();
        foreach (var name in action.Remove)
        {
            var found = Find(items, name);
            outputs[$"old_flag:{name}"] = found is null ? string.Empty : ValueOf(found, name);
            if (found is not null)
            {
                var start = doc.LineStart(checked((int)found.Start.Index));
                edits.Add(new TextEdit(start, doc.LineEnd(checked((int)found.End.Index)), string.Empty));
            }
        }

        var last = items[^1];
        var lineStart = doc.LineStart(checked((int)last.Start.Index));
        var prefix = doc.Text[lineStart..checked((int)last.Start.Index)];
        if (!ItemPrefix().IsMatch(prefix))
        {
            error = $"{doc.Where(last)}: command items are not one '- item' per line";
            return null;
        }

        var insertAt = doc.LineEnd(checked((int)last.End.Index));
        var newline = insertAt > 0 && doc.Text[insertAt - 1] == '\n' ? string.Empty : "\n";
        var order = 0;
        foreach (var flag in action.Set)
        {
            var wanted = $"--{flag.Name}={flag.Value}";
            var found = Find(items, flag.Name);
            outputs[$"old_flag:{flag.Name}"] = found is null ? string.Empty : ValueOf(found, flag.Name);
            if (found is null)
            {
                var item = YamlSourceText.IsPlainSafe(wanted) ? wanted : YamlSourceText.DoubleQuoted(wanted);
                edits.Add(new TextEdit(insertAt, insertAt, newline + prefix + item + "\n", ++order));
                newline = string.Empty;
            }
            else if (found.Value != wanted)
            {
                var edit = doc.ReplaceScalar(found, wanted, out error);
                if (edit is null)
                {
                    return null;
                }

                edits.Add(edit);
            }
        }

        return edits.Count == 0 ? doc.Text : doc.Apply(edits);
    }

    private static YamlScalarNode? Find(List<YamlScalarNode> items, string name) =>
        items.FirstOrDefault(i => i.Value is { } v && (v == "--" + name || v.StartsWith($"--{name}=", StringComparison.Ordinal)));

    private static string ValueOf(YamlScalarNode item, string name) =>
        item.Value!.Length > name.Length + 2 ? item.Value[(name.Length + 3)..] : string.Empty;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex FlagName();

    [GeneratedRegex("^ *- +$")]
    private static partial Regex ItemPrefix();
}
