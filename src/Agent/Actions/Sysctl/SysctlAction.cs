using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;
using SysctlSpec = KubeHa.Protos.Agent.V1.SysctlAction;

namespace KubeHa.Agent.Actions.Sysctl;

/// <summary>
/// Persists allow-listed kernel parameters in /etc/sysctl.d/NAME.conf (through the file
/// transaction) and applies them at once by writing /proc/sys/KEY directly (no shell, no
/// sysctl binary). /proc/sys is not a normal file system (no rename, no backup), so the
/// runtime values replaced are recorded under STATE/sysctl/RUN/STEP.tsv before the first
/// write; rollback writes them back.
/// </summary>
internal sealed partial class SysctlAction : IStepAction
{
    public const string DefaultFileName = "90-kubeha.conf";

    /// <summary>Keys the agent may change; entries ending in '.' allow the whole subtree.</summary>
    internal static readonly IReadOnlyList<string> AllowList =
    [
        "net.ipv4.ip_nonlocal_bind",
        "net.ipv6.ip_nonlocal_bind",
        "net.ipv4.ip_forward",
        "net.ipv6.conf.all.forwarding",
        "net.bridge.",
    ];

    private readonly string _procSysRoot;
    private readonly string _sysctlDir;
    private readonly string _stateDir;

    public SysctlAction(AgentOptions options)
        : this(options, "/proc/sys", "/etc/sysctl.d")
    {
    }

    /// <summary>For tests: a fake /proc/sys and sysctl.d.</summary>
    internal SysctlAction(AgentOptions options, string procSysRoot, string sysctlDir)
    {
        _procSysRoot = procSysRoot;
        _sysctlDir = sysctlDir;
        _stateDir = Path.Combine(options.StateDir, "sysctl");
    }

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.Sysctl;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var action = spec.Sysctl;
        var errors = Validate(action);
        if (errors.Count > 0)
        {
            return ActionResult.Refused($"sysctl: {string.Join("; ", errors)}");
        }

        var missing = action.Settings.Where(s => !File.Exists(ProcPath(s.Key)))
            .Select(s => $"{s.Key}: {ProcPath(s.Key)} does not exist (for net.bridge.* load br_netfilter)").ToList();
        if (missing.Count > 0)
        {
            return ActionResult.Failed($"sysctl: {string.Join("; ", missing)}");
        }

        var file = Path.Combine(_sysctlDir, string.IsNullOrEmpty(action.FileName) ? DefaultFileName : action.FileName);
        var persisted = Merge(context.Files.ReadText(file), action.Settings);
        context.Files.Write(file, persisted, AtomicFile.DefaultMode);

        var changes = new List<(string Key, string Previous, string Value)>();
        foreach (var setting in action.Settings)
        {
            var previous = ReadRuntime(setting.Key);
            context.Outputs[$"previous:{setting.Key}"] = previous;
            if (previous != Normalize(setting.Value))
            {
                changes.Add((setting.Key, previous, Normalize(setting.Value)));
            }
        }

        if (changes.Count == 0)
        {
            return ActionResult.Succeeded();
        }

        if (context.DryRun)
        {
            context.Effects.AddRange(changes.Select(c => $"would set {c.Key} from '{c.Previous}' to '{c.Value}'"));
            return ActionResult.Succeeded();
        }

        // Record before the first write, so an interrupted step can still be rolled back.
        Record(context.RunId, context.StepId, changes.Select(c => (c.Key, c.Previous)));
        foreach (var (key, previous, value) in changes)
        {
            var failure = WriteRuntime(key, value);
            if (failure is not null)
            {
                return ActionResult.Failed(failure);
            }

            context.Effects.Add($"set {key} from '{previous}' to '{value}'");
            await context.ProgressAsync($"{key} = {value}").ConfigureAwait(false);
        }

        return ActionResult.Succeeded();
    }

    public async Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var stepId = context.RollbackOfStepId ?? context.StepId;
        var record = RecordPath(context.RunId, stepId);
        if (!File.Exists(record))
        {
            await context.ProgressAsync($"sysctl: no runtime values were changed by step {stepId}").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        var failures = new List<string>();
        foreach (var line in File.ReadAllLines(record).Reverse())
        {
            var fields = line.Split('\t');
            if (fields.Length != 2 || !IsAllowed(fields[0]) || !KeyPattern().IsMatch(fields[0]))
            {
                failures.Add($"{record}: malformed line '{line}'");
                continue;
            }

            if (ReadRuntime(fields[0]) == fields[1])
            {
                continue;
            }

            var failure = WriteRuntime(fields[0], fields[1]);
            if (failure is null)
            {
                context.Effects.Add($"restored {fields[0]} to '{fields[1]}'");
            }
            else
            {
                failures.Add(failure);
            }
        }

        return failures.Count == 0 ? ActionResult.Succeeded() : ActionResult.Failed(string.Join("; ", failures));
    }

    internal static List<string> Validate(SysctlSpec action)
    {
        var errors = new List<string>();
        if (action.Settings.Count == 0)
        {
            errors.Add("no settings");
        }

        if (!string.IsNullOrEmpty(action.FileName) && !FileName().IsMatch(action.FileName))
        {
            errors.Add($"file_name '{action.FileName}' must be a plain NAME.conf");
        }

        foreach (var setting in action.Settings)
        {
            if (!KeyPattern().IsMatch(setting.Key))
            {
                errors.Add($"key '{setting.Key}' is not a sysctl name ([a-z0-9_] separated by dots)");
            }
            else if (!IsAllowed(setting.Key))
            {
                errors.Add($"key '{setting.Key}' is not allowed (allowed: {string.Join(", ", AllowList.Select(a => a.EndsWith('.') ? a + "*" : a))})");
            }

            if (!ValuePattern().IsMatch(setting.Value))
            {
                errors.Add($"{setting.Key}: value '{setting.Value}' must be 1-64 of [A-Za-z0-9 ._:-]");
            }
        }

        errors.AddRange(action.Settings.GroupBy(s => s.Key, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"key '{g.Key}' given more than once"));
        return errors;
    }

    internal static bool IsAllowed(string key) =>
        AllowList.Any(a => a.EndsWith('.') ? key.StartsWith(a, StringComparison.Ordinal) : key == a);

    /// <summary>Replaces the lines of the given keys in a sysctl.d file, appends absent ones, keeps the rest.</summary>
    internal static string Merge(string? current, IEnumerable<SysctlSetting> settings)
    {
        var lines = current is null
            ? ["# Kernel parameters set by kubeha (API server endpoint, VIP)."]
            : current.TrimEnd('\n').Split('\n').ToList();
        foreach (var setting in settings)
        {
            var wanted = $"{setting.Key} = {Normalize(setting.Value)}";
            var index = lines.FindIndex(l => KeyOf(l) == setting.Key);
            if (index >= 0)
            {
                lines[index] = wanted;
            }
            else
            {
                lines.Add(wanted);
            }
        }

        return string.Join('\n', lines) + "\n";
    }

    private static string? KeyOf(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith('#') || trimmed.StartsWith(';'))
        {
            return null;
        }

        var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? null : trimmed[..eq].Trim().TrimStart('-').Replace('/', '.');
    }

    private string ProcPath(string key) => Path.Combine(_procSysRoot, key.Replace('.', '/'));

    private string ReadRuntime(string key) => Normalize(File.ReadAllText(ProcPath(key)));

    /// <summary>Writes the value into /proc/sys (open, write, close: no rename is possible there).</summary>
    private string? WriteRuntime(string key, string value)
    {
        var path = ProcPath(key);
        try
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                stream.SetLength(0);
                stream.Write(Encoding.ASCII.GetBytes(value + "\n"));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{key}: writing {path} failed: {e.Message}";
        }

        var now = ReadRuntime(key);
        return now == value ? null : $"{key}: wrote '{value}' to {path} but it reads back '{now}'";
    }

    private string RecordPath(string runId, string stepId) => Path.Combine(_stateDir, runId, stepId + ".tsv");

    private void Record(string runId, string stepId, IEnumerable<(string Key, string Previous)> values)
    {
        var text = new StringBuilder();
        foreach (var (key, previous) in values)
        {
            text.Append(CultureInfo.InvariantCulture, $"{key}\t{previous}\n");
        }

        AtomicFile.WriteAllText(RecordPath(runId, stepId), text.ToString(), AtomicFile.PrivateMode);
    }

    /// <summary>Kernel multi-value parameters separate with tabs; compare with single spaces.</summary>
    internal static string Normalize(string value) =>
        string.Join(' ', value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex("^[a-z0-9_]+(\\.[a-z0-9_]+)+$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^[A-Za-z0-9 ._:-]{1,64}$")]
    private static partial Regex ValuePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\\.conf$")]
    private static partial Regex FileName();
}
