using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Pki;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Integration;

/// <summary>A KubeHa PKI in a temp state dir and helpers to start agents with certificates from it.</summary>
internal sealed class AgentFixture : IDisposable
{
    public AgentFixture()
    {
        Pki = new PkiStore(Temp.Combine("coordinator"), TimeProvider.System);
        Pki.Init([], []);
    }

    public TempDir Temp { get; } = new("kubeha-agent-it");
    public PkiStore Pki { get; }

    public AgentProcess NewAgent(string node, string extraConfig = "")
    {
        var dir = Temp.Combine("agents", node + "-" + Guid.NewGuid().ToString("N")[..6]);
        var certDir = Path.Combine(dir, "pki");
        Pki.IssueAgent(node, [], [System.Net.IPAddress.Loopback], certDir);
        return new AgentProcess(dir, node, certDir, extraConfig);
    }

    public AgentConnection Connect(string expectedNode, string address)
    {
        var (client, ca) = Pki.LoadCoordinatorIdentity();
        return new AgentConnection(new AgentEndpoint(expectedNode, address), client, ca, new AgentConnectionOptions { Retries = 0 }, TimeProvider.System);
    }

    public void Dispose() => Temp.Dispose();
}
