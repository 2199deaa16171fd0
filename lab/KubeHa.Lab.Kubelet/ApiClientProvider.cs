using k8s;

namespace KubeHa.Lab.Kubelet;

/// <summary>
/// A client built from kubelet.conf (the node's own credentials), rebuilt when kubelet.conf or
/// the certificate it names changes, so pointing kubelet.conf elsewhere takes effect as it would
/// after a kubelet restart.
/// </summary>
internal sealed class ApiClientProvider(StandInOptions options, Log log) : IDisposable
{
    private Kubernetes? _client;
    private string _stamp = string.Empty;

    public string? Server { get; private set; }

    /// <summary>The client, or null while kubelet.conf does not exist yet.</summary>
    public Kubernetes? Get()
    {
        if (!File.Exists(options.Kubeconfig))
        {
            return null;
        }

        var stamp = Stamp();
        if (_client is not null && stamp == _stamp)
        {
            return _client;
        }

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig);
        config.HttpClientTimeout = TimeSpan.FromSeconds(8);
        _client?.Dispose();
        _client = new Kubernetes(config);
        _stamp = stamp;
        Server = config.Host;
        log.Info($"API client from {options.Kubeconfig}: server {config.Host}");
        return _client;
    }

    public void Dispose() => _client?.Dispose();

    private string Stamp()
    {
        var conf = new FileInfo(options.Kubeconfig);
        var cert = new FileInfo(Path.Combine(options.CertDir, "kubelet-client-current.pem"));
        return $"{conf.LastWriteTimeUtc.Ticks}/{conf.Length}/{(cert.Exists ? cert.LastWriteTimeUtc.Ticks : 0)}";
    }
}
