using System.Security.Cryptography.X509Certificates;
using KubeHa.Coordinator.Inventory;

namespace KubeHa.Coordinator.Agents;

/// <summary>One reused connection per agent of an inventory.</summary>
public sealed class AgentPool : IAsyncDisposable
{
    private readonly Dictionary<string, AgentConnection> _connections = new(StringComparer.Ordinal);

    public AgentPool(IEnumerable<AgentEndpoint> agents, X509Certificate2 clientCertificate, X509Certificate2 kubeHaCa, AgentConnectionOptions options, TimeProvider time)
    {
        foreach (var agent in agents)
        {
            _connections[agent.Node] = new AgentConnection(agent, clientCertificate, kubeHaCa, options, time);
        }
    }

    public static IEnumerable<AgentEndpoint> EndpointsOf(ClusterInventory inventory) =>
        inventory.AllNodes.Select(n => new AgentEndpoint(n.Name, n.Agent));

    public IReadOnlyCollection<AgentConnection> All => _connections.Values;

    public AgentConnection this[string node] => _connections.TryGetValue(node, out var c)
        ? c
        : throw new KeyNotFoundException($"unknown node '{node}': not in the inventory (known: {string.Join(", ", _connections.Keys)})");

    public bool Contains(string node) => _connections.ContainsKey(node);

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _connections.Values)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }
    }
}
