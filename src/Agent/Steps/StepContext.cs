using KubeHa.Agent.Files;

namespace KubeHa.Agent.Steps;

/// <summary>What an action sees while it runs.</summary>
internal sealed class StepContext(
    string runId,
    string stepId,
    string node,
    bool dryRun,
    FileTransaction files,
    Func<string, int, ValueTask> progress,
    TimeProvider time,
    string? backupDir = null)
{
    public string RunId { get; } = runId;
    public string StepId { get; } = stepId;
    public string Node { get; } = node;
    public bool DryRun { get; } = dryRun;
    public FileTransaction Files { get; } = files;
    public TimeProvider Time { get; } = time;
    /// <summary>
    /// This step's backup directory (STATE/backups/RUN/STEP), for backups that are not files the
    /// step changes (an etcd snapshot). Empty when the host did not provide one.
    /// </summary>
    public string BackupDir { get; } = backupDir ?? string.Empty;
    /// <summary>
    /// ROLLBACK only: the backup directory of the step being rolled back, where its action may
    /// have recorded what it did (e.g. the id of the etcd member it added). Empty otherwise.
    /// </summary>
    public string RolledBackStepBackupDir { get; init; } = string.Empty;
    /// <summary>Non-file effects ("restarted kube-apiserver", "etcd member 3 added").</summary>
    public List<string> Effects { get; } = [];
    /// <summary>Action-specific outputs returned to the coordinator. Never secrets.</summary>
    public Dictionary<string, string> Outputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Secrets returned to the coordinator (StepResult.secret_outputs); never logged, only in the 0600 step record.</summary>
    public Dictionary<string, string> SecretOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>In ROLLBACK mode, the id of the step being rolled back; otherwise null.</summary>
    public string? RollbackOfStepId { get; init; }

    public ValueTask ProgressAsync(string message, int percent = -1) => progress(message, percent);
}
