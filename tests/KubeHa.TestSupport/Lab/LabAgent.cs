using KubeHa.Coordinator.Agents;

namespace KubeHa.TestSupport.Lab;

/// <summary>A real kubeha-agent running inside a lab node under the lab supervisor (service `kubeha-agent`).</summary>
/// <param name="Node">The lab node (and the name in the agent's certificate).</param>
/// <param name="Ip">The node's lab address; the agent listens on it, reachable from the host.</param>
/// <param name="Port">The mutual-TLS gRPC port.</param>
/// <param name="HealthPort">The plain HTTP health port (/healthz, /metrics), also on <paramref name="Ip"/>.</param>
/// <param name="LogPath">The agent's output on the host (the supervisor's log of the service).</param>
/// <param name="StateDir">The agent's state directory (/var/lib/kubeha in the node) as seen from the host.</param>
/// <param name="ConfigDir">The node's /etc/kubeha as seen from the host (agent.yaml, pki/).</param>
public sealed record LabAgent(string Node, string Ip, int Port, int HealthPort, string LogPath, string StateDir, string ConfigDir)
{
    /// <summary>IP:port of the gRPC endpoint.</summary>
    public string Address => $"{Ip}:{Port}";

    /// <summary>What an <see cref="AgentConnection"/> needs: node name and address.</summary>
    public AgentEndpoint Endpoint => new(Node, Address);

    /// <summary>http://IP:HEALTH/healthz.</summary>
    public Uri HealthUri => new($"http://{Ip}:{HealthPort}/healthz");
}
