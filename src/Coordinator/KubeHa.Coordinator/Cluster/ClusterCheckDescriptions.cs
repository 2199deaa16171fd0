using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Cluster;

/// <summary>What the dry run of a read-only cluster step says: what it would check, and how it stands now.</summary>
internal static class ClusterCheckDescriptions
{
    public static async Task<string> DescribeAsync(ClusterStep step, ClusterGates gates, CoreDnsSpreader spreader, CancellationToken cancellationToken)
    {
        switch (step.ActionCase)
        {
            case ClusterStep.ActionOneofCase.NodesReady:
                var notReady = await gates.NotReadyNodesAsync(step.NodesReady, cancellationToken).ConfigureAwait(false);
                var which = step.NodesReady.Nodes.Count > 0 ? string.Join(", ", step.NodesReady.Nodes) : "every node";
                return $"would wait up to {(step.NodesReady.TimeoutSeconds > 0 ? step.NodesReady.TimeoutSeconds : 120)} s for {which} Ready; now: " +
                       (notReady.Count == 0 ? "all Ready" : "not Ready: " + string.Join(", ", notReady));
            case ClusterStep.ActionOneofCase.ApiReady:
                return $"would GET {step.ApiReady.Server}/readyz, TLS verified against the cluster CA, for up to {(step.ApiReady.TimeoutSeconds > 0 ? step.ApiReady.TimeoutSeconds : 60)} s";
            case ClusterStep.ActionOneofCase.EndpointCheck:
                var mismatches = await gates.EndpointMismatchesAsync(step.EndpointCheck, cancellationToken).ConfigureAwait(false);
                return "would check cluster-info, kube-proxy and kubeadm-config; now: " +
                       (mismatches.Count == 0 ? "all point at the endpoint" : string.Join("; ", mismatches));
            case ClusterStep.ActionOneofCase.CorednsSpread:
                var state = await spreader.ObserveAsync(step.CorednsSpread, cancellationToken).ConfigureAwait(false);
                return $"would check the spread; now: {state.Describe()}";
            default:
                return "checkpoint; changes nothing";
        }
    }
}
