using System.Security.Cryptography;
using System.Text;
using KubeHa.Common.Files;
using KubeHa.Common.Text;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Files;

/// <summary>
/// The only way an action changes files. In check mode it records what would change (with a
/// unified diff) and writes nothing; in apply mode it backs the old content up first, then
/// replaces the file atomically. Writing the same bytes and mode again is not a change.
/// </summary>
internal sealed class FileTransaction(PathGuard guard, BackupStore backups, string runId, string stepId, bool dryRun)
{
    private readonly List<FileChange> _changes = [];
    private readonly Dictionary<string, byte[]?> _pending = new(StringComparer.Ordinal);

    public IReadOnlyList<FileChange> Changes => _changes;
    public bool DryRun => dryRun;

    /// <summary>Current content as this step sees it (pending dry-run writes included); null when absent.</summary>
    public byte[]? Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (dryRun && _pending.TryGetValue(full, out var pending))
        {
            return pending;
        }

        return File.Exists(full) ? File.ReadAllBytes(full) : null;
    }

    public string? ReadText(string path) => Read(path) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    public bool Write(string path, string content, UnixFileMode mode, bool secret = false) =>
        Write(path, Encoding.UTF8.GetBytes(content), mode, secret);

    public bool Write(string path, byte[] content, UnixFileMode mode, bool secret = false)
    {
        var full = guard.CheckWritable(Path.GetFullPath(path));
        var before = Read(full);
        var beforeMode = File.Exists(full) ? File.GetUnixFileMode(full) : (UnixFileMode?)null;
        if (before is not null && before.AsSpan().SequenceEqual(content) && beforeMode == mode)
        {
            return false;
        }

        var kind = before is null ? FileChangeKind.Created
            : before.AsSpan().SequenceEqual(content) ? FileChangeKind.ModeChanged
            : FileChangeKind.Modified;
        _changes.Add(Describe(full, before, content, beforeMode, mode, kind, secret));
        if (dryRun)
        {
            _pending[full] = content;
            return true;
        }

        backups.Save(runId, stepId, full);
        AtomicFile.WriteAllBytes(full, content, mode);
        return true;
    }

    public bool Delete(string path, bool secret = false)
    {
        var full = guard.CheckWritable(Path.GetFullPath(path));
        var before = Read(full);
        if (before is null)
        {
            return false;
        }

        var beforeMode = File.Exists(full) ? File.GetUnixFileMode(full) : (UnixFileMode?)null;
        _changes.Add(Describe(full, before, null, beforeMode, null, FileChangeKind.Deleted, secret));
        if (dryRun)
        {
            _pending[full] = null;
            return true;
        }

        backups.Save(runId, stepId, full);
        AtomicFile.Delete(full);
        return true;
    }

    private static FileChange Describe(string path, byte[]? before, byte[]? after, UnixFileMode? beforeMode, UnixFileMode? afterMode, FileChangeKind kind, bool secret)
    {
        var change = new FileChange
        {
            Path = path,
            Kind = kind,
            BeforeSha256 = before is null ? string.Empty : Sha256(before),
            AfterSha256 = after is null ? string.Empty : Sha256(after),
            BeforeMode = (uint)(beforeMode ?? 0),
            AfterMode = (uint)(afterMode ?? 0),
            Secret = secret,
        };
        if (!secret && IsText(before) && IsText(after))
        {
            change.UnifiedDiff = UnifiedDiff.Create(
                before is null ? null : Encoding.UTF8.GetString(before),
                after is null ? null : Encoding.UTF8.GetString(after),
                path);
        }

        return change;
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static bool IsText(byte[]? data) => data is null || !data.AsSpan().Contains((byte)0);
}
