using System.Runtime.InteropServices;

namespace KubeHa.Common.Files;

/// <summary>
/// Whole-file replacement that never leaves a half-written file: write a temporary file in
/// the same directory, fsync it, rename it over the target, fsync the directory.
/// </summary>
public static partial class AtomicFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode DefaultMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Suffix of temporary files; a crash can leave one behind, never a torn target.</summary>
    public const string TempSuffix = ".kubeha-tmp";

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode) =>
        WriteAllBytes(path, content, mode, syncDirectory: true);

    /// <param name="syncDirectory">
    /// False when the caller writes more files into the same directory and then calls
    /// <see cref="FsyncDirectory"/> once for all of them: the rename is durable only after that.
    /// </param>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode, bool syncDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path}: no parent directory", nameof(path));
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            // CreateNew honours the umask; set the exact mode requested.
            File.SetUnixFileMode(temp, mode);
            File.Move(temp, full, overwrite: true);
            if (syncDirectory)
            {
                FsyncDirectory(dir);
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string content, UnixFileMode mode) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    /// <summary>Deletes a file and makes the deletion durable.</summary>
    public static void Delete(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            return;
        }

        File.Delete(full);
        var dir = Path.GetDirectoryName(full);
        if (dir is not null)
        {
            FsyncDirectory(dir);
        }
    }

    public static void FsyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(dir, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// fdatasync: makes the file's data (and its size) durable, skipping a timestamp-only inode
    /// write. For appends to a file whose directory entry is already durable.
    /// </summary>
    public static void FlushData(FileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Flush(flushToDisk: false);
        if (!OperatingSystem.IsLinux())
        {
            stream.Flush(flushToDisk: true);
            return;
        }

        var handle = stream.SafeFileHandle;
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Fdatasync((int)handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"{stream.Name}: fdatasync failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
