namespace KubeHa.Coordinator.Execution.Progress;

/// <summary>`--progress`: the live terminal view, plain lines, or whichever fits the output.</summary>
public enum ProgressMode
{
    Auto,
    Tty,
    Plain,
}

/// <summary>Chooses between <see cref="TerminalProgress"/> and <see cref="LineProgress"/>.</summary>
public static class ProgressModes
{
    public const string EnvironmentVariable = "KUBEHA_PROGRESS";

    public static IReadOnlyList<string> Names { get; } = ["auto", "tty", "plain"];

    /// <summary>"auto", "tty" or "plain" (any case); anything else (or nothing) is auto.</summary>
    public static ProgressMode Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "tty" => ProgressMode.Tty,
        "plain" => ProgressMode.Plain,
        _ => ProgressMode.Auto,
    };

    /// <summary>
    /// Whether to draw the live view: `--progress tty|plain` decides; with auto,
    /// KUBEHA_PROGRESS=tty|plain decides; otherwise the view is drawn when the output is a terminal.
    /// </summary>
    public static bool UseTerminal(ProgressMode option, string? environment, bool outputIsTerminal)
    {
        var mode = option != ProgressMode.Auto ? option : Parse(environment);
        return mode == ProgressMode.Tty || (mode == ProgressMode.Auto && outputIsTerminal);
    }

    /// <summary>A terminal that takes ANSI escapes: not redirected, and TERM set and not "dumb".</summary>
    public static bool IsTerminal(bool outputRedirected, string? term) =>
        !outputRedirected && !string.IsNullOrWhiteSpace(term) && !string.Equals(term, "dumb", StringComparison.Ordinal);
}
