namespace KubeHa.Agent.Services;

/// <summary>The service manager could not be asked (program missing, failed or timed out).</summary>
internal sealed class ServiceManagerException(string message) : Exception(message);
