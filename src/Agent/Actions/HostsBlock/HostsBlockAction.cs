using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;
using HostsBlockSpec = KubeHa.Protos.Agent.V1.HostsBlockAction;

namespace KubeHa.Agent.Actions.HostsBlock;

/// <summary>
/// Keeps a marked block in /etc/hosts holding exactly the requested entries (e.g.
/// <c>127.0.0.1 api.k8s.local</c>, the masters' names). Lines outside the block are never
/// touched; no entries removes the block.
/// </summary>
/// <remarks>
/// In containers /etc/hosts is usually a bind mount: renaming a new file over it fails with
/// EBUSY. For this file only, the write then falls back to truncate + write + fsync of the
/// existing inode (not atomic, but the file is small and the backup is taken first).
/// </remarks>
internal sealed partial class HostsBlockAction : IStepAction
{
    public const string DefaultPath = "/etc/hosts";
    public const string BeginMarker = "# BEGIN kubeha managed block";
    public const string EndMarker = "# END kubeha managed block";

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.HostsBlock;

    public FileRestoreOptions RestoreOptions(StepSpec spec) => new(InPlaceWhenBusy: true);

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var action = spec.HostsBlock;
        var path = string.IsNullOrEmpty(action.Path) ? DefaultPath : action.Path;
        var errors = Validate(action);
        if (errors.Count > 0)
        {
            return ActionResult.Refused($"hosts_block: {string.Join("; ", errors)}");
        }

        var current = context.Files.ReadText(path);
        var updated = Render(path, current ?? string.Empty, action.Entries, out var error);
        if (updated is null)
        {
            return ActionResult.Failed(error);
        }

        if (current is null && action.Entries.Count == 0)
        {
            return ActionResult.Succeeded();
        }

        var mode = File.Exists(path) ? File.GetUnixFileMode(path) : AtomicFile.DefaultMode;
        if (context.Files.Write(path, updated, mode, inPlaceWhenBusy: true))
        {
            await context.ProgressAsync(string.Create(CultureInfo.InvariantCulture,
                $"{path}: managed block now holds {action.Entries.Count} entr{(action.Entries.Count == 1 ? "y" : "ies")}")).ConfigureAwait(false);
        }

        return ActionResult.Succeeded();
    }

    private static List<string> Validate(HostsBlockSpec action)
    {
        var errors = new List<string>();
        for (var i = 0; i < action.Entries.Count; i++)
        {
            var entry = action.Entries[i];
            if (!IPAddress.TryParse(entry.Ip, out _))
            {
                errors.Add($"entries[{i}]: '{entry.Ip}' is not an IP address");
            }

            if (entry.Names.Count == 0)
            {
                errors.Add($"entries[{i}]: no names");
            }

            errors.AddRange(entry.Names.Where(n => !HostName().IsMatch(n)).Select(n => $"entries[{i}]: '{n}' is not a host name"));
        }

        return errors;
    }

    /// <returns>The new file text, or null with an error naming path:line.</returns>
    internal static string? Render(string path, string current, IEnumerable<HostsEntry> entries, out string error)
    {
        error = string.Empty;
        var lines = current.Split('\n').ToList();
        var trailingNewline = current.EndsWith('\n');
        if (trailingNewline)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        else if (current.Length == 0)
        {
            lines.Clear();
        }

        var begins = lines.Select((l, i) => (l, i)).Where(x => x.l.TrimEnd() == BeginMarker).Select(x => x.i).ToList();
        var ends = lines.Select((l, i) => (l, i)).Where(x => x.l.TrimEnd() == EndMarker).Select(x => x.i).ToList();
        if (begins.Count > 1 || ends.Count > 1 || begins.Count != ends.Count || (begins.Count == 1 && ends[0] < begins[0]))
        {
            var at = begins.Concat(ends).DefaultIfEmpty(0).Max() + 1;
            error = string.Create(CultureInfo.InvariantCulture,
                $"{path}:{at}: malformed kubeha managed block ({begins.Count} begin and {ends.Count} end marker(s)); fix it by hand");
            return null;
        }

        var block = new List<string>();
        var list = entries.ToList();
        if (list.Count > 0)
        {
            block.Add(BeginMarker);
            block.AddRange(list.Select(e => e.Ip + "\t" + string.Join(' ', e.Names)));
            block.Add(EndMarker);
        }

        if (begins.Count == 1)
        {
            lines.RemoveRange(begins[0], ends[0] - begins[0] + 1);
            lines.InsertRange(begins[0], block);
        }
        else
        {
            lines.AddRange(block);
            trailingNewline = true;
        }

        var text = new StringBuilder(string.Join('\n', lines));
        if (trailingNewline && lines.Count > 0)
        {
            text.Append('\n');
        }

        return text.ToString();
    }

    [GeneratedRegex("^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();
}
