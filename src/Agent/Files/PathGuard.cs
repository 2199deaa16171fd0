namespace KubeHa.Agent.Files;

/// <summary>
/// Refuses writes outside the configured allowed roots. Symbolic links in the existing part
/// of a path are resolved first, so a link cannot lead a write out of a root.
/// </summary>
internal sealed class PathGuard(IReadOnlyList<string> allowedRoots)
{
    public IReadOnlyList<string> AllowedRoots { get; } = allowedRoots;

    /// <returns>The resolved full path; throws <see cref="PathNotAllowedException"/> when outside every root.</returns>
    public string CheckWritable(string path)
    {
        if (!Path.IsPathFullyQualified(path))
        {
            throw new PathNotAllowedException($"{path}: not an absolute path");
        }

        var resolved = Resolve(Path.GetFullPath(path));
        foreach (var root in AllowedRoots)
        {
            var resolvedRoot = Resolve(root);
            if (IsUnder(resolved, resolvedRoot))
            {
                return resolved;
            }
        }

        throw new PathNotAllowedException(
            $"{path}: outside the agent's allowed roots ({string.Join(", ", AllowedRoots)}); refusing to write");
    }

    private static bool IsUnder(string path, string root) =>
        string.Equals(path, root, StringComparison.Ordinal) ||
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Resolves symbolic links in every existing component of the path.</summary>
    internal static string Resolve(string fullPath)
    {
        var parts = fullPath.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = Path.DirectorySeparatorChar.ToString();
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target?.FullName ?? next;
            }

            current = next;
        }

        return current;
    }
}
