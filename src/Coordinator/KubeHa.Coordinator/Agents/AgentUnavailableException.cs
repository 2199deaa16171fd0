namespace KubeHa.Coordinator.Agents;

/// <summary>An agent could not be reached or authenticated; the message says which and why.</summary>
public sealed class AgentUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
