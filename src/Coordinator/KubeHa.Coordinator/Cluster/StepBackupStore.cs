using System.Globalization;
using System.Text;
using System.Text.Json;
using KubeHa.Common.Files;

namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// The coordinator's saved copies of what cluster steps replaced, under
/// STATE_DIR/runs/RUN_ID/cluster/STEP_ID.json (atomic writes, mode 0600). A rolled-back
/// step's file is renamed to STEP_ID.rolled-back-N.json, so the next attempt saves afresh.
/// </summary>
internal sealed class StepBackupStore(string stateDir)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Directory(string runId) => Path.Combine(stateDir, "runs", SafeName(runId), "cluster");

    public string PathOf(string runId, string stepId) => Path.Combine(Directory(runId), SafeName(stepId) + ".json");

    public StepBackup? Load(string runId, string stepId)
    {
        var path = PathOf(runId, stepId);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StepBackup>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path}: empty backup");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: unreadable backup of cluster step {stepId}: {e.Message}", e);
        }
    }

    public void Save(StepBackup backup) =>
        AtomicFile.WriteAllText(PathOf(backup.RunId, backup.StepId), JsonSerializer.Serialize(backup, Json), AtomicFile.PrivateMode);

    public void Discard(string runId, string stepId) => AtomicFile.Delete(PathOf(runId, stepId));

    /// <summary>Moves the backup aside after a rollback; returns its new path.</summary>
    public string MarkRolledBack(string runId, string stepId)
    {
        var path = PathOf(runId, stepId);
        for (var n = 1; ; n++)
        {
            var target = Path.Combine(Directory(runId), string.Create(CultureInfo.InvariantCulture, $"{SafeName(stepId)}.rolled-back-{n}.json"));
            if (!File.Exists(target))
            {
                File.Move(path, target);
                AtomicFile.FsyncDirectory(Directory(runId));
                return target;
            }
        }
    }

    /// <summary>Ids as file names: letters, digits, '.', '_', '-' kept; anything else as %XX.</summary>
    internal static string SafeName(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' || (c == '.' && sb.Length > 0))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
