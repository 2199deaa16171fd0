using System.Globalization;
using System.Text;
using KubeHa.Common.Files;

namespace KubeHa.Agent.Files;

/// <summary>
/// Previous content of every file a step changed, kept under
/// STATE/backups/RUN/STEP: one NNNN.bak per file and a manifest naming the path, whether it
/// existed, and its mode. The manifest is written before the target file is touched.
/// </summary>
internal sealed class BackupStore(string backupsDir)
{
    private const string ManifestName = "manifest.tsv";

    public string StepDir(string runId, string stepId) => Path.Combine(backupsDir, runId, stepId);

    public IReadOnlyList<BackupEntry> Read(string runId, string stepId)
    {
        var manifest = Path.Combine(StepDir(runId, stepId), ManifestName);
        if (!File.Exists(manifest))
        {
            return [];
        }

        var entries = new List<BackupEntry>();
        foreach (var line in File.ReadAllLines(manifest))
        {
            var f = line.Split('\t');
            if (f.Length != 4)
            {
                throw new InvalidDataException($"{manifest}: malformed line '{line}'");
            }

            entries.Add(new BackupEntry(
                int.Parse(f[0], CultureInfo.InvariantCulture),
                Encoding.UTF8.GetString(Convert.FromBase64String(f[1])),
                f[2] == "1",
                (UnixFileMode)Convert.ToInt32(f[3], 8)));
        }

        return entries;
    }

    public byte[] ReadContent(string runId, string stepId, BackupEntry entry) =>
        File.ReadAllBytes(Path.Combine(StepDir(runId, stepId), $"{entry.Index:D4}.bak"));

    /// <summary>Records the current state of <paramref name="path"/> unless already recorded for this step.</summary>
    public void Save(string runId, string stepId, string path)
    {
        var existing = Read(runId, stepId);
        if (existing.Any(e => e.Path == path))
        {
            return;
        }

        var dir = StepDir(runId, stepId);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var index = existing.Count;
        var exists = File.Exists(path);
        var mode = exists ? File.GetUnixFileMode(path) : 0;
        if (exists)
        {
            // Backups may hold keys: always 0600.
            // The manifest's directory fsync below makes this rename durable too.
            AtomicFile.WriteAllBytes(Path.Combine(dir, $"{index:D4}.bak"), File.ReadAllBytes(path), AtomicFile.PrivateMode, syncDirectory: false);
        }

        var all = existing.Append(new BackupEntry(index, path, exists, mode));
        var text = new StringBuilder();
        foreach (var e in all)
        {
            text.Append(e.Index.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(e.Path))).Append('\t')
                .Append(e.Existed ? '1' : '0').Append('\t')
                .Append(Convert.ToString((int)e.Mode, 8)).Append('\n');
        }

        AtomicFile.WriteAllText(Path.Combine(dir, ManifestName), text.ToString(), AtomicFile.PrivateMode);
    }
}

internal sealed record BackupEntry(int Index, string Path, bool Existed, UnixFileMode Mode);
