using System.CommandLine;
using KubeHa.Coordinator.Execution;

namespace KubeHa.Cli;

/// <summary>
/// `--progress auto|tty|plain`: the live terminal view (<see cref="TerminalProgress"/>) or plain
/// lines (<see cref="LineProgress"/>). auto: the live view when stdout is a terminal whose TERM
/// is not "dumb" and KUBEHA_PROGRESS is not "plain".
/// </summary>
internal static class ProgressOption
{
    public static Option<string> Create() =>
        new Option<string>("--progress") { Description = "auto (live view on a terminal, lines otherwise), tty or plain", DefaultValueFactory = _ => "auto" }
            .AcceptOnlyFromAmong("auto", "tty", "plain");

    /// <summary>The view for <paramref name="mode"/>; dispose it when the run ends (it draws the final state).</summary>
    public static IRunProgress Open(string? mode, CliContext ctx)
    {
        var term = Environment.GetEnvironmentVariable("TERM");
        var live = mode switch
        {
            "tty" => true,
            "plain" => false,
            _ => !Console.IsOutputRedirected && term is { Length: > 0 } and not "dumb"
                && !string.Equals(Environment.GetEnvironmentVariable("KUBEHA_PROGRESS"), "plain", StringComparison.Ordinal),
        };
        if (!live)
        {
            return new LineProgress(ctx.Out);
        }

        int width;
        try
        {
            width = Console.IsOutputRedirected ? 120 : Console.WindowWidth;
        }
        catch (IOException)
        {
            width = 120;
        }

        return new TerminalProgress(ctx.Out, width > 0 ? width : 120, ctx.Time);
    }
}
