using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Exceptions;

namespace KubeHa.Coordinator.Cluster;

/// <summary>Loads the coordinator's kubeconfig (the inventory's <c>kubeconfig</c>).</summary>
public static class ClusterConnection
{
    /// <summary>The kubeconfig's current context; a clear error naming the file when it cannot be used.</summary>
    public static KubernetesClientConfiguration Load(string kubeconfigPath)
    {
        if (!File.Exists(kubeconfigPath))
        {
            throw new ClusterStepException($"kubeconfig {kubeconfigPath} does not exist");
        }

        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or FormatException or YamlDotNet.Core.YamlException)
        {
            throw new ClusterStepException($"kubeconfig {kubeconfigPath}: {e.Message}", e);
        }
    }

    /// <summary>A client for <paramref name="kubeconfigPath"/>.</summary>
    public static Kubernetes Client(string kubeconfigPath) => new(Load(kubeconfigPath));

    /// <summary>The kubeconfig's client certificate with its key, or null when it authenticates otherwise.</summary>
    public static X509Certificate2? ClientCertificate(KubernetesClientConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var certPem = Pem(config.ClientCertificateData, config.ClientCertificateFilePath);
        var keyPem = Pem(config.ClientCertificateKeyData, config.ClientKeyFilePath);
        if (certPem is null || keyPem is null)
        {
            return null;
        }

        // An ephemeral PEM key does not always work for TLS client authentication: go through PKCS#12.
        using var ephemeral = X509Certificate2.CreateFromPem(certPem, keyPem);
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    private static string? Pem(string? base64, string? path) =>
        !string.IsNullOrEmpty(base64) ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64))
        : !string.IsNullOrEmpty(path) ? File.ReadAllText(path)
        : null;
}
