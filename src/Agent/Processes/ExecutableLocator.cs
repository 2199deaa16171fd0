namespace KubeHa.Agent.Processes;

/// <summary>Finds a program as a shell would: a path is taken as is, a bare name is searched in PATH.</summary>
internal static class ExecutableLocator
{
    /// <param name="searchPath">The PATH to search; null = this process's PATH.</param>
    /// <returns>The full path of an executable file, or null when there is none.</returns>
    public static string? Find(string program, string? searchPath = null)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(program) ? Path.GetFullPath(program) : null;
        }

        var path = searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string file) =>
        File.Exists(file) && (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
