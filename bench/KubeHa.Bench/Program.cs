using System.Globalization;

namespace KubeHa.Bench;

/// <summary>
/// KubeHa benchmarks (issue 9). `run` (the default, see scripts/bench.sh) measures and prints
/// JSON and a Markdown table; `agent-host` and `fanout-coordinator` are its child processes.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        int Int(int i) => int.Parse(args[i], CultureInfo.InvariantCulture);
        switch (mode)
        {
            case "agent-host":
                return await AgentHostMode.RunAsync(args[1], Int(2), Int(3), Int(4)).ConfigureAwait(false);
            case "fanout-coordinator":
                return await FanoutCoordinatorMode.RunAsync(args[1], Int(2), Int(3), args[4]).ConfigureAwait(false);
            case "run":
                var settings = BenchSettings.Parse(args.SkipWhile(a => a == "run").ToArray());
                return await BenchRun.RunAsync(settings).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync($"KubeHa.Bench: unknown mode '{mode}' (run, agent-host, fanout-coordinator)").ConfigureAwait(false);
                return 2;
        }
    }
}
