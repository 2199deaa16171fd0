using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>How a step's run-time inputs (an earlier step's outputs) enter its spec, and which steps are restarts.</summary>
public static class StepInputs
{
    /// <summary>
    /// A copy of <paramref name="spec"/> with <paramref name="inputs"/> filled in. The copy is
    /// sent to the agent only; the plan (and so the journal) keeps the spec without them.
    /// </summary>
    public static StepSpec Apply(StepSpec spec, IReadOnlyDictionary<string, string> inputs)
    {
        var copy = spec.Clone();
        if (copy.ActionCase == StepSpec.ActionOneofCase.KubeadmJoin)
        {
            var join = copy.KubeadmJoin;
            join.Token = inputs.GetValueOrDefault("token", string.Empty);
            join.CertificateKey = inputs.GetValueOrDefault("certificate_key", string.Empty);
            if (inputs.TryGetValue("ca_cert_hash", out var hash))
            {
                join.CaCertHashes.Clear();
                join.CaCertHashes.Add(hash);
            }
        }

        return copy;
    }

    /// <summary>
    /// The order to roll back <paramref name="newestFirst"/> (completed steps, newest first):
    /// file restores newest first, then restarts in plan order, because a restart's rollback
    /// restarts again and must see the restored files.
    /// </summary>
    public static IEnumerable<PlannedStep> RollbackOrder(IReadOnlyList<PlannedStep> newestFirst) =>
        newestFirst.Where(s => !IsRestart(s)).Concat(newestFirst.Where(IsRestart).Reverse());

    /// <summary>Steps whose rollback is "restart again", which must follow the file restores.</summary>
    public static bool IsRestart(PlannedStep step) =>
        step.KindCase == PlannedStep.KindOneofCase.Agent && step.Agent.ActionCase is StepSpec.ActionOneofCase.StaticPodRestart or StepSpec.ActionOneofCase.Service;
}
