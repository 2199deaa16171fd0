using KubeHa.Coordinator.Agents;
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

    public AgentPool OpenPool(ClusterInventory inventory, AgentConnectionOptions? options = null)
    {
        var (client, ca) = Pki.LoadCoordinatorIdentity();
        return new AgentPool(AgentPool.EndpointsOf(inventory), client, ca, options ?? new AgentConnectionOptions(), Time);
    }
}
