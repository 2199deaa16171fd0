using System.Globalization;
using System.Text;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Sysctl;

/// <summary>
/// Persists allow-listed kernel parameters in /etc/sysctl.d/NAME.conf (through the file
/// transaction) and applies them at once by writing /proc/sys/KEY directly (no shell, no
/// sysctl binary). /proc/sys is not a normal file system (no rename, no backup), so the
/// runtime values replaced are recorded under STATE/sysctl/RUN/STEP.tsv before the first
/// write; rollback writes them back.
/// </summary>
internal sealed class SysctlAction : IStepAction
{
    public const string DefaultFileName = "90-kubeha.conf";

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
        var errors = SysctlSettings.Validate(action);
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
        var persisted = SysctlConfFile.Merge(context.Files.ReadText(file), action.Settings);
        context.Files.Write(file, persisted, AtomicFile.DefaultMode);

        var changes = new List<(string Key, string Previous, string Value)>();
        foreach (var setting in action.Settings)
        {
            var previous = ReadRuntime(setting.Key);
            context.Outputs[$"previous:{setting.Key}"] = previous;
            if (previous != SysctlSettings.Normalize(setting.Value))
            {
                changes.Add((setting.Key, previous, SysctlSettings.Normalize(setting.Value)));
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
            if (fields.Length != 2 || !SysctlSettings.IsAllowed(fields[0]))
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

    private string ProcPath(string key) => Path.Combine(_procSysRoot, key.Replace('.', '/'));

    private string ReadRuntime(string key) => SysctlSettings.Normalize(File.ReadAllText(ProcPath(key)));

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
}
