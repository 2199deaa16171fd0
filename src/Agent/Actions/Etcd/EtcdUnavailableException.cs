namespace KubeHa.Agent.Actions.Etcd;

/// <summary>No configured etcd endpoint answered; the message names each endpoint's error.</summary>
internal sealed class EtcdUnavailableException : Exception
{
    public EtcdUnavailableException()
    {
    }

    public EtcdUnavailableException(string message)
        : base(message)
    {
    }

    public EtcdUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
