namespace KubeHa.Coordinator.Locking;

/// <summary>Another live coordinator holds the cluster lock; the message names it and when it last renewed.</summary>
public sealed class ClusterLockHeldException : Exception
{
    public ClusterLockHeldException()
    {
    }

    public ClusterLockHeldException(string message)
        : base(message)
    {
    }

    public ClusterLockHeldException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public string Holder { get; init; } = string.Empty;

    public DateTimeOffset? RenewTime { get; init; }
}
