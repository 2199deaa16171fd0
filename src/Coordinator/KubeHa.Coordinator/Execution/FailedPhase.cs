using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// What a failed step of a phase puts in question, and so what is rolled back. A place is a
/// node name, or "" for the cluster (the coordinator's own Kubernetes API steps).
/// <list type="bullet">
/// <item>An agent step failing on a node: that node's completed steps of the phase. Other nodes
/// passed their gates and keep their changes; the phase's cluster steps are cluster-wide (no
/// planned cluster step acts for one node) and stay.</item>
/// <item>A cluster step failing (a gate, or a Kubernetes API change): the phase's completed
/// cluster steps, newest first. When the failed step is a node-Ready gate, the nodes it waited
/// for come first: their steps of the phase are what made them not Ready.</item>
/// </list>
/// </summary>
internal static class FailedPhase
{
    public static IReadOnlyList<string> Places(IEnumerable<PlannedStep> failed)
    {
        var places = new List<string>();
        foreach (var step in failed)
        {
            if (step.Node.Length > 0)
            {
                places.Add(step.Node);
                continue;
            }

            if (step.Cluster?.ActionCase == ClusterStep.ActionOneofCase.NodesReady)
            {
                places.AddRange(step.Cluster.NodesReady.Nodes);
            }

            places.Add(string.Empty);
        }

        return [.. places.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The sentences of the run's failure message saying what was rolled back and what could not be.</summary>
    public static string Describe(PlannedStep failedStep, IReadOnlyList<(string Place, RollbackOutcome Outcome)> outcomes, string runId)
    {
        string text;
        if (outcomes.Count == 1 && failedStep.Node.Length > 0 && outcomes[0].Place == failedStep.Node)
        {
            var done = outcomes[0].Outcome.Done;
            text = done.Count > 0 ? $"Rolled back on that node: {string.Join(", ", done)}. " : "Nothing to roll back on that node. ";
        }
        else
        {
            var done = outcomes.Where(o => o.Outcome.Done.Count > 0).Select(o => $"{On(o.Place)}: {string.Join(", ", o.Outcome.Done)}").ToList();
            text = done.Count > 0
                ? $"Rolled back {string.Join("; ", done)}. "
                : $"Nothing to roll back {string.Join(" or ", outcomes.Select(o => On(o.Place)))}. ";
        }

        var failures = outcomes.SelectMany(o => o.Outcome.Failed).ToList();
        return failures.Count == 0 ? text : text + $"Could NOT roll back: {string.Join("; ", failures)} (see: kubeha status {runId}). ";
    }

    private static string On(string place) => place.Length > 0 ? $"on node '{place}'" : "on the cluster";
}
