using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeHa.Lab.Kubelet;

/// <summary>
/// Keeps a mirror pod in the API for every static pod, as the kubelet does: a Pod named
/// POD-NODE, bound to the node, owned by the Node, annotated kubernetes.io/config.mirror, with a
/// status that says whether its processes run. Removes mirror pods whose manifest is gone.
/// </summary>
internal sealed class MirrorPodSync(StandInOptions options, StaticPodRunner runner, NodeAgent node, ApiClientProvider clients, TimeProvider time, Log log)
{
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";
    private static readonly TimeSpan FullResync = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, string> _synced = new(StringComparer.Ordinal);
    private DateTimeOffset _lastFullResync = DateTimeOffset.MinValue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = clients.Get();
            if (client is not null && node.NodeUid is not null)
            {
                try
                {
                    await SyncAsync(client, node.NodeUid, cancellationToken).ConfigureAwait(false);
                    log.Recovered("mirror-pods");
                }
                catch (Exception e) when (NodeAgent.IsApiError(e))
                {
                    log.Error("mirror-pods", NodeAgent.Describe(e));
                    _synced.Clear();
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SyncAsync(Kubernetes client, string nodeUid, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var pods = runner.Snapshot();
        var desired = pods.ToDictionary(p => Key(p.Pod), StringComparer.Ordinal);

        if (now - _lastFullResync >= FullResync)
        {
            _synced.Clear();
            var onNode = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={options.NodeName}", cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var stale in onNode.Items.Where(p => p.Metadata.Annotations?.ContainsKey(MirrorAnnotation) == true && !desired.ContainsKey($"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}")))
            {
                await DeleteAsync(client, stale.Metadata.NamespaceProperty, stale.Metadata.Name, cancellationToken).ConfigureAwait(false);
            }

            _lastFullResync = now;
        }

        foreach (var gone in _synced.Keys.Where(k => !desired.ContainsKey(k)).ToList())
        {
            var parts = gone.Split('/');
            await DeleteAsync(client, parts[0], parts[1], cancellationToken).ConfigureAwait(false);
            _synced.Remove(gone);
        }

        foreach (var (key, view) in desired)
        {
            var statusKey = $"{view.Pod.Hash}|{string.Join(",", view.Containers.Select(c => $"{c.Name}:{c.Running}:{c.RestartCount}:{c.Pid}"))}";
            if (_synced.TryGetValue(key, out var done) && done == statusKey)
            {
                continue;
            }

            await EnsureMirrorAsync(client, view.Pod, nodeUid, cancellationToken).ConfigureAwait(false);
            await client.CoreV1.PatchNamespacedPodStatusAsync(
                new V1Patch(new V1Pod { Status = Status(view) }, V1Patch.PatchType.StrategicMergePatch),
                MirrorName(view.Pod),
                view.Pod.Namespace,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            _synced[key] = statusKey;
        }
    }

    private string MirrorName(StaticPod pod) => $"{pod.Name}-{options.NodeName}";

    private string Key(StaticPod pod) => $"{pod.Namespace}/{MirrorName(pod)}";

    private async Task EnsureMirrorAsync(Kubernetes client, StaticPod pod, string nodeUid, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await client.CoreV1.ReadNamespacedPodAsync(MirrorName(pod), pod.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (existing.Metadata.Annotations is { } a && a.TryGetValue(MirrorAnnotation, out var h) && h == pod.Hash &&
                existing.Metadata.OwnerReferences?.Any(o => o.Uid == nodeUid) == true)
            {
                return;
            }

            await DeleteAsync(client, pod.Namespace, MirrorName(pod), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        var manifest = pod.Pod;
        var annotations = new Dictionary<string, string>(manifest.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            [MirrorAnnotation] = pod.Hash,
            ["kubernetes.io/config.hash"] = pod.Hash,
            ["kubernetes.io/config.source"] = "file",
            ["kubernetes.io/config.seen"] = time.GetUtcNow().ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        };
        var mirror = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = MirrorName(pod),
                NamespaceProperty = pod.Namespace,
                Labels = manifest.Metadata.Labels,
                Annotations = annotations,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = options.NodeName, Uid = nodeUid, Controller = true }],
            },
            Spec = manifest.Spec,
        };
        mirror.Spec.NodeName = options.NodeName;
        await client.CoreV1.CreateNamespacedPodAsync(mirror, pod.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        log.Info($"created mirror pod {pod.Namespace}/{MirrorName(pod)}");
    }

    private async Task DeleteAsync(Kubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 }, cancellationToken: cancellationToken).ConfigureAwait(false);
            log.Info($"deleted mirror pod {ns}/{name}");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private V1PodStatus Status(PodView view)
    {
        var allRunning = view.Containers.All(c => c.Running);
        var ready = allRunning ? "True" : "False";
        var started = view.StartedAt.UtcDateTime;
        return new V1PodStatus
        {
            Phase = "Running",
            HostIP = options.NodeIp,
            PodIP = options.NodeIp,
            PodIPs = [new V1PodIP { Ip = options.NodeIp }],
            StartTime = started,
            Conditions =
            [
                new V1PodCondition { Status = "True", Type = "Initialized", LastTransitionTime = started },
                new V1PodCondition { Status = ready, Type = "Ready", LastTransitionTime = time.GetUtcNow().UtcDateTime },
                new V1PodCondition { Status = ready, Type = "ContainersReady", LastTransitionTime = time.GetUtcNow().UtcDateTime },
                new V1PodCondition { Status = "True", Type = "PodScheduled", LastTransitionTime = started },
            ],
            ContainerStatuses =
            [
                .. view.Containers.Select(c => new V1ContainerStatus
                {
                    Image = view.Pod.Pod.Spec.Containers.First(s => s.Name == c.Name).Image ?? "none",
                    ImageID = string.Empty,
                    Name = c.Name,
                    Ready = c.Running,
                    RestartCount = c.RestartCount,
                    ContainerID = $"kubeha-lab://{c.Pid}",
                    Started = c.Running,
                    State = c.Running
                        ? new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = c.StartedAt.UtcDateTime } }
                        : new V1ContainerState { Waiting = new V1ContainerStateWaiting { Message = "process exited; restarting", Reason = "CrashLoopBackOff" } },
                }),
            ],
        };
    }
}
