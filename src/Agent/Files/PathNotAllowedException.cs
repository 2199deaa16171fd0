namespace KubeHa.Agent.Files;

internal sealed class PathNotAllowedException(string message) : Exception(message);
