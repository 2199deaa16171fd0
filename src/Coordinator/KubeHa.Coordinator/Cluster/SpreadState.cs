namespace KubeHa.Coordinator.Cluster;

/// <summary>Where a Deployment's current pods are: pod name to spec.nodeName (empty: not scheduled).</summary>
internal sealed record SpreadState(string Deployment, int Replicas, int MinNodes, bool Settled, IReadOnlyDictionary<string, string> PodNodes)
{
    public int Nodes => PodNodes.Values.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Count();

    /// <summary>The rollout is observed and the counted pods sit on at least MinNodes nodes.</summary>
    public bool Spread => Settled && Nodes >= MinNodes;

    public string Describe() =>
        $"{Deployment}: {Replicas} replica(s), counted pods on {Nodes} node(s) (need {MinNodes})" +
        (Settled ? string.Empty : ", rollout not observed yet") + ": " +
        (PodNodes.Count == 0 ? "no pods" : string.Join(", ", PodNodes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} -> {(p.Value.Length > 0 ? p.Value : "(unscheduled)")}")));
}
