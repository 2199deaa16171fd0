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
    private readonly Dictionary<string, WrittenFile> _written = new(StringComparer.Ordinal);

    public IReadOnlyList<FileChange> Changes => _changes;

    /// <summary>Every file this step wrote or deleted, changed or not: what the drift monitor holds it to.</summary>
    public IReadOnlyDictionary<string, WrittenFile> Written => _written;
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

    /// <summary>
    /// The resolved path when it is inside the allowed roots (else <see cref="PathNotAllowedException"/>),
    /// for actions that must move a file without recording a change (a static pod restart moves
    /// its manifest out and back).
    /// </summary>
    public string CheckWritable(string path) => guard.CheckWritable(Path.GetFullPath(path));

    public string? ReadText(string path) => Read(path) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    public bool Write(string path, string content, UnixFileMode mode, bool secret = false,
        Func<string, string>? maskDiff = null, bool inPlaceWhenBusy = false) =>
        Write(path, Encoding.UTF8.GetBytes(content), mode, secret, maskDiff, inPlaceWhenBusy);

    /// <param name="maskDiff">Applied to the before and after text of the diff (e.g. to hide a
    /// password line while still showing the rest of the change); the file gets the real content.</param>
    /// <param name="inPlaceWhenBusy">When the rename over the target fails with EBUSY (the target
    /// is a bind mount, as /etc/hosts is in containers), truncate and rewrite the file in place
    /// instead. Not atomic: use only for small files that have no other way to be replaced.</param>
    public bool Write(string path, byte[] content, UnixFileMode mode, bool secret = false,
        Func<string, string>? maskDiff = null, bool inPlaceWhenBusy = false)
    {
        var full = guard.CheckWritable(Path.GetFullPath(path));
        _written[full] = new WrittenFile(content, mode, secret);
        var before = Read(full);
        var beforeMode = File.Exists(full) ? File.GetUnixFileMode(full) : (UnixFileMode?)null;
        if (before is not null && before.AsSpan().SequenceEqual(content) && beforeMode == mode)
        {
            return false;
        }

        var kind = before is null ? FileChangeKind.Created
            : before.AsSpan().SequenceEqual(content) ? FileChangeKind.ModeChanged
            : FileChangeKind.Modified;
        _changes.Add(Describe(full, before, content, beforeMode, mode, kind, secret, maskDiff));
        if (dryRun)
        {
            _pending[full] = content;
            return true;
        }

        backups.Save(runId, stepId, full);
        try
        {
            AtomicFile.WriteAllBytes(full, content, mode);
        }
        catch (IOException e) when (inPlaceWhenBusy && e.HResult == EBusy && File.Exists(full))
        {
            WriteInPlace(full, content, mode);
        }

        return true;
    }

    private const int EBusy = 16;

    /// <summary>Truncate, write, fsync: keeps the inode, so it works on a bind-mounted file.</summary>
    private static void WriteInPlace(string path, byte[] content, UnixFileMode mode)
    {
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            stream.SetLength(0);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.SetUnixFileMode(path, mode);
    }

    public bool Delete(string path, bool secret = false)
    {
        var full = guard.CheckWritable(Path.GetFullPath(path));
        _written[full] = new WrittenFile(null, 0, secret);
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

    private static FileChange Describe(string path, byte[]? before, byte[]? after, UnixFileMode? beforeMode, UnixFileMode? afterMode, FileChangeKind kind, bool secret,
        Func<string, string>? maskDiff = null)
    {
        var mask = maskDiff ?? (text => text);
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
                before is null ? null : mask(Encoding.UTF8.GetString(before)),
                after is null ? null : mask(Encoding.UTF8.GetString(after)),
                path);
        }

        return change;
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static bool IsText(byte[]? data) => data is null || !data.AsSpan().Contains((byte)0);
}
