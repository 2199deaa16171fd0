using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Execution.Progress;
using KubeHa.Coordinator.Inventory;
using KubeHa.Coordinator.Pki;

namespace KubeHa.Cli;

/// <summary>Shared state of one CLI invocation: where state lives, the clock, output streams.</summary>
internal sealed class CliContext(string stateDir, TextWriter stdout, TextWriter stderr, TimeProvider time)
{
    public const string DefaultStateDir = "/var/lib/kubeha";

    public string StateDir { get; } = stateDir;
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;
    public TimeProvider Time { get; } = time;

    public PkiStore Pki => new(StateDir, Time);

    /// <summary>
    /// The progress view of a run for `--progress` <paramref name="option"/>: the live view when
    /// it resolves to a terminal (the real console only), plain lines otherwise. Dispose it after the run.
    /// </summary>
    public IRunProgress Progress(string? option)
    {
        var console = ReferenceEquals(Out, Console.Out);
        var terminal = console && ProgressModes.IsTerminal(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("TERM"));
        if (!ProgressModes.UseTerminal(ProgressModes.Parse(option), Environment.GetEnvironmentVariable(ProgressModes.EnvironmentVariable), terminal))
        {
            return new LineProgress(Out);
        }

        return new TerminalProgress(Out, Time,
            () => console && !Console.IsOutputRedirected ? Console.WindowWidth : 120,
            () => console && !Console.IsOutputRedirected ? Console.WindowHeight : 50,
            colour: string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));
    }

    public AgentPool OpenPool(ClusterInventory inventory, AgentConnectionOptions? options = null)
    {
        var (client, ca) = Pki.LoadCoordinatorIdentity();
        return new AgentPool(AgentPool.EndpointsOf(inventory), client, ca, options ?? new AgentConnectionOptions(), Time);
    }
}
