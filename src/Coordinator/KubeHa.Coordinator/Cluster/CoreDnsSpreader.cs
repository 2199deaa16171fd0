using k8s;
using k8s.Models;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// Checks that a Deployment's pods (CoreDNS by default) are on at least two nodes, and
/// spreads them when not: a preferred pod anti-affinity on kubernetes.io/hostname, which
/// rolls the pods out (or a rollout restart when that anti-affinity is already there).
/// Pods count by spec.nodeName, only those of the Deployment's current ReplicaSet, not
/// terminating nor finished (and Ready when asked).
/// </summary>
internal sealed class CoreDnsSpreader(ClusterObjects objects, ConfigMapEdits edits, TimeProvider time)
{
    public const string HostnameKey = "kubernetes.io/hostname";
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public static (string Ns, string Name, int MinNodes) Target(CoreDnsSpread spec) =>
        (spec.Namespace.Length > 0 ? spec.Namespace : "kube-system", spec.Deployment.Length > 0 ? spec.Deployment : "coredns", spec.MinNodes > 0 ? spec.MinNodes : 2);

    public async Task<SpreadState> ObserveAsync(CoreDnsSpread spec, CancellationToken cancellationToken)
    {
        var (ns, name, minNodes) = Target(spec);
        var deployment = await ReadAsync(ns, name, cancellationToken).ConfigureAwait(false);
        var selector = Selector(deployment);
        var settled = deployment.Status?.ObservedGeneration >= deployment.Metadata.Generation;
        var revision = Value(deployment.Metadata.Annotations, RevisionAnnotation);
        var sets = await objects.Client.AppsV1.ListNamespacedReplicaSetAsync(ns, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var current = sets.Items.FirstOrDefault(rs =>
            rs.Metadata.OwnerReferences?.Any(o => o.Uid == deployment.Metadata.Uid) == true &&
            Value(rs.Metadata.Annotations, RevisionAnnotation) == revision);
        var hash = Value(current?.Metadata.Labels, "pod-template-hash");
        var pods = await objects.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var counted = pods.Items.Where(p =>
            p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Succeeded" or "Failed") &&
            hash is not null && Value(p.Metadata.Labels, "pod-template-hash") == hash &&
            (!spec.RequireReady || p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true));
        return new SpreadState($"Deployment {ns}/{name}", deployment.Spec.Replicas ?? 1, minNodes, settled && hash is not null,
            counted.ToDictionary(p => p.Metadata.Name, p => p.Spec.NodeName ?? string.Empty, StringComparer.Ordinal));
    }

    /// <summary>The change that spreads the pods; none when they are spread already.</summary>
    public async Task<List<FieldChange>> PlanAsync(CoreDnsSpread spec, CancellationToken cancellationToken)
    {
        var state = await ObserveAsync(spec, cancellationToken).ConfigureAwait(false);
        if (state.Spread)
        {
            return [];
        }

        var (ns, name, minNodes) = Target(spec);
        if (state.Replicas < minNodes)
        {
            throw new ClusterStepException($"{state.Deployment} has {state.Replicas} replica(s): it cannot be on {minNodes} nodes; scale it to at least {minNodes} first");
        }

        var obj = await objects.ReadAsync(FieldChange.Deployment, ns, name, cancellationToken).ConfigureAwait(false);
        var deployment = (V1Deployment)obj.Model;
        var before = obj.Get(FieldChange.Affinity);
        var affinity = before is null ? new V1Affinity() : KubernetesJson.Deserialize<V1Affinity>(before);
        affinity.PodAntiAffinity ??= new V1PodAntiAffinity();
        var preferred = affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution ??= new List<V1WeightedPodAffinityTerm>();
        var labels = deployment.Spec.Selector.MatchLabels ?? new Dictionary<string, string>();
        if (preferred.Any(t => t.PodAffinityTerm?.TopologyKey == HostnameKey && SameLabels(t.PodAffinityTerm.LabelSelector?.MatchLabels, labels)))
        {
            return [await edits.RestartAsync(FieldChange.Deployment, ns, name, cancellationToken).ConfigureAwait(false)];
        }

        preferred.Add(new V1WeightedPodAffinityTerm
        {
            Weight = 100,
            PodAffinityTerm = new V1PodAffinityTerm
            {
                TopologyKey = HostnameKey,
                LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
            },
        });
        return [new FieldChange(FieldChange.Deployment, ns, name, FieldChange.Affinity, before, KubernetesJson.Serialize(affinity))];
    }

    /// <summary>Polls until spread or <paramref name="timeout"/>; returns the last state.</summary>
    public async Task<SpreadState> WaitAsync(CoreDnsSpread spec, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var state = await ObserveAsync(spec, cancellationToken).ConfigureAwait(false);
            if (state.Spread || time.GetUtcNow() >= deadline)
            {
                return state;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<V1Deployment> ReadAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (V1Deployment)(await objects.ReadAsync(FieldChange.Deployment, ns, name, cancellationToken).ConfigureAwait(false)).Model;
        }
        catch (KeyNotFoundException e)
        {
            throw new ClusterStepException(e.Message, e);
        }
    }

    private static string Selector(V1Deployment deployment)
    {
        var selector = deployment.Spec.Selector;
        if (selector.MatchExpressions is { Count: > 0 } || selector.MatchLabels is not { Count: > 0 })
        {
            throw new ClusterStepException($"Deployment {deployment.Metadata.NamespaceProperty}/{deployment.Metadata.Name}: only a matchLabels selector is supported");
        }

        return string.Join(',', selector.MatchLabels.Select(l => $"{l.Key}={l.Value}"));
    }

    private static string? Value(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string> b) =>
        a is not null && a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
