using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeHa.Lab.Kubelet;

/// <summary>
/// The kubelet's API side for the node itself: TLS bootstrap when only bootstrap-kubelet.conf
/// exists, Node registration, Lease renewal in kube-node-lease and Ready status, all with the
/// credentials and server of kubelet.conf.
/// </summary>
internal sealed class NodeAgent(StandInOptions options, ApiClientProvider clients, TlsBootstrapper bootstrapper, TimeProvider time, Log log)
{
    private const string LeaseNamespace = "kube-node-lease";
    private static readonly TimeSpan StatusReportInterval = TimeSpan.FromMinutes(1);

    private DateTimeOffset _lastStatusPost = DateTimeOffset.MinValue;

    /// <summary>UID of the registered Node, once known (mirror pods are owned by it).</summary>
    public string? NodeUid { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(1);
            try
            {
                var client = clients.Get();
                if (client is null)
                {
                    if (File.Exists(options.BootstrapKubeconfig))
                    {
                        await bootstrapper.BootstrapAsync(cancellationToken).ConfigureAwait(false);
                        log.Recovered("tls-bootstrap");
                    }
                }
                else
                {
                    await HeartbeatAsync(client, cancellationToken).ConfigureAwait(false);
                    log.Recovered("node");
                    wait = options.LeaseRenewInterval;
                }
            }
            catch (Exception e) when (IsApiError(e))
            {
                log.Error(File.Exists(options.Kubeconfig) ? "node" : "tls-bootstrap", $"{clients.Server ?? options.BootstrapKubeconfig}: {Describe(e)}");
                wait = TimeSpan.FromSeconds(2);
            }

            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static bool IsApiError(Exception e) =>
        e is HttpRequestException or HttpOperationException or TaskCanceledException or TimeoutException
            or IOException or k8s.Exceptions.KubeConfigException or InvalidOperationException or System.Security.Cryptography.CryptographicException
            or UnauthorizedAccessException;

    internal static string Describe(Exception e) => e is HttpOperationException h
        ? $"{(int)h.Response.StatusCode} {h.Response.StatusCode}: {Truncate(h.Response.Content)}"
        : e.Message;

    private static string Truncate(string? s) => s is null ? string.Empty : s.Length > 300 ? s[..300] : s;

    private async Task HeartbeatAsync(Kubernetes client, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        V1Node node;
        try
        {
            node = await client.CoreV1.ReadNodeAsync(options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            node = await client.CoreV1.CreateNodeAsync(NodeStatusBuilder.NewNode(options, now.UtcDateTime), cancellationToken: cancellationToken).ConfigureAwait(false);
            _lastStatusPost = now;
            log.Info($"registered Node {options.NodeName} ({options.NodeIp}) uid {node.Metadata.Uid}");
        }

        NodeUid = node.Metadata.Uid;
        await RenewLeaseAsync(client, node, cancellationToken).ConfigureAwait(false);

        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (ready?.Status != "True" || now - _lastStatusPost >= StatusReportInterval)
        {
            var patch = new V1Node { Status = NodeStatusBuilder.Status(options, time.GetUtcNow().UtcDateTime, node.Status) };
            await client.CoreV1.PatchNodeStatusAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ready?.Status != "True")
            {
                log.Info($"posted Ready status for {options.NodeName} (was {ready?.Status ?? "unset"})");
            }

            _lastStatusPost = now;
        }
    }

    private async Task RenewLeaseAsync(Kubernetes client, V1Node node, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        V1Lease lease;
        try
        {
            lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(options.NodeName, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            var fresh = new V1Lease
            {
                Metadata = new V1ObjectMeta
                {
                    Name = options.NodeName,
                    NamespaceProperty = LeaseNamespace,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }],
                },
                Spec = new V1LeaseSpec { HolderIdentity = options.NodeName, LeaseDurationSeconds = 40, RenewTime = now },
            };
            await client.CoordinationV1.CreateNamespacedLeaseAsync(fresh, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = options.NodeName;
        lease.Spec.LeaseDurationSeconds = 40;
        lease.Spec.RenewTime = now;
        if (lease.Metadata.OwnerReferences is not { Count: > 0 })
        {
            lease.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }];
        }

        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, options.NodeName, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
