namespace KubeHa.Coordinator.Cluster;

/// <summary>An object changed under a step (resourceVersion conflict, or a value that is neither what the step found nor what it wrote).</summary>
public sealed class ClusterConflictException : Exception
{
    public ClusterConflictException()
    {
    }

    public ClusterConflictException(string message)
        : base(message)
    {
    }

    public ClusterConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
