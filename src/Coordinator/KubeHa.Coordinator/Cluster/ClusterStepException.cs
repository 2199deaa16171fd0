namespace KubeHa.Coordinator.Cluster;

/// <summary>A cluster step that cannot be done as asked (bad input, an object or key missing, a gate not met); the message says what and where.</summary>
public sealed class ClusterStepException : Exception
{
    public ClusterStepException()
    {
    }

    public ClusterStepException(string message)
        : base(message)
    {
    }

    public ClusterStepException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
