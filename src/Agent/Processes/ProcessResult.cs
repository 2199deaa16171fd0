namespace KubeHa.Agent.Processes;

/// <summary>How a program ended. <see cref="TimedOut"/>: killed after the timeout (ExitCode is then -1).</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    /// <summary>stderr, else stdout, trimmed and bounded: for failure messages (never for programs that print secrets).</summary>
    public string Message
    {
        get
        {
            var text = (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim();
            return text.Length > 2000 ? "..." + text[^2000..] : text;
        }
    }
}
