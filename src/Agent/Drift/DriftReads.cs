namespace KubeHa.Agent.Drift;

/// <summary>
/// The files of one drift check, each read at most once, so that the recorded expectations and
/// the built-in rules judge the same bytes even while a file is rewritten during the check
/// (kubeadm removes and rewrites apiserver.crt; an editor replaces a kubeconfig). Every rule reads
/// the node's files through it; only /proc/sys values and file modes are read directly.
/// </summary>
internal sealed class DriftReads
{
    private readonly Dictionary<string, byte[]?> _files = new(StringComparer.Ordinal);

    /// <summary>Whether the file exists, as this check saw it if it has read it already.</summary>
    public bool Exists(string path) => _files.TryGetValue(path, out var bytes) ? bytes is not null : File.Exists(path);

    /// <returns>The file's content, or null when it does not exist.</returns>
    /// <exception cref="IOException">It exists but cannot be read (not remembered: the next call tries again).</exception>
    /// <exception cref="UnauthorizedAccessException">As for <see cref="IOException"/>.</exception>
    public byte[]? Bytes(string path)
    {
        if (!_files.TryGetValue(path, out var bytes))
        {
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                bytes = null;
            }

            _files[path] = bytes;
        }

        return bytes;
    }
}
