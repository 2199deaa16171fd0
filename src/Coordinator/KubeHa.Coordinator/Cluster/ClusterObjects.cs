using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeHa.Coordinator.Cluster;

/// <summary>Reads and replaces the objects cluster steps change; every replace carries the resourceVersion it read.</summary>
internal sealed class ClusterObjects(IKubernetes client)
{
    public IKubernetes Client { get; } = client;

    public async Task<KubeObject> ReadAsync(string kind, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            IKubernetesObject<V1ObjectMeta> model = kind switch
            {
                FieldChange.ConfigMap => await Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false),
                FieldChange.DaemonSet => await Client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false),
                FieldChange.Deployment => await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false),
                _ => throw new ArgumentException($"unsupported kind {kind}", nameof(kind)),
            };
            return new KubeObject(kind, model);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new KeyNotFoundException($"{kind} {ns}/{name} does not exist", e);
        }
    }

    /// <summary>Writes <paramref name="obj"/> back; a conflict means it changed since it was read, and nothing was written.</summary>
    public async Task<string> ReplaceAsync(KubeObject obj, CancellationToken cancellationToken)
    {
        var meta = obj.Model.Metadata;
        try
        {
            IKubernetesObject<V1ObjectMeta> written = obj.Model switch
            {
                V1ConfigMap cm => await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, meta.Name, meta.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false),
                V1DaemonSet ds => await Client.AppsV1.ReplaceNamespacedDaemonSetAsync(ds, meta.Name, meta.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false),
                V1Deployment d => await Client.AppsV1.ReplaceNamespacedDeploymentAsync(d, meta.Name, meta.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false),
                _ => throw new ArgumentException($"unsupported kind {obj.Kind}", nameof(obj)),
            };
            return written.Metadata.ResourceVersion;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new ClusterConflictException(
                $"conflict: {obj.Kind} {meta.NamespaceProperty}/{meta.Name} was changed by someone else between read (resourceVersion {meta.ResourceVersion}) and write; " +
                "nothing was written to it; run the step again", e);
        }
    }
}
