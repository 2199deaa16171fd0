namespace KubeHa.Coordinator.Agents;

/// <summary>Where an agent listens and which node its certificate must name.</summary>
public sealed record AgentEndpoint(string Node, string Address)
{
    public Uri Uri => new($"https://{Address}");
}
