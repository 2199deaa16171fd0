using KubeHa.Coordinator.Execution;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Tests.Execution.Progress;

/// <summary>A two-phase plan on two masters and the cluster, for feeding the live view.</summary>
internal static class ProgressSamples
{
    public static readonly PlannedStep M1Config = Step("m1.nginx", "master-1", "nginx config");
    public static readonly PlannedStep M1Start = Step("m1.start", "master-1", "nginx started");
    public static readonly PlannedStep M2Config = Step("m2.nginx", "master-2", "nginx config");
    public static readonly PlannedStep Gate = Step("lb.gate", string.Empty, "endpoint reaches the API server");
    public static readonly PlannedStep M1Cert = Step("m1.cert", "master-1", "apiserver.crt re-issued");
    public static readonly Phase Lb = NewPhase("lb", M1Config, M1Start, M2Config, Gate);
    public static readonly Phase Certs = NewPhase("certs", M1Cert);
    public static readonly Plan Run7 = NewPlan("run-7", Lb, Certs);

    public static PlannedStep Step(string id, string node, string description) => new() { Id = id, Node = node, Description = description };

    public static Phase NewPhase(string name, params PlannedStep[] steps)
    {
        var phase = new Phase { Name = name, Description = name };
        phase.Steps.AddRange(steps);
        return phase;
    }

    public static Plan NewPlan(string runId, params Phase[] phases)
    {
        var plan = new Plan { RunId = runId };
        plan.Phases.AddRange(phases);
        return plan;
    }

    /// <summary>Every step of phase lb run: both nginx configs changed, the rest unchanged.</summary>
    public static void FinishLb(IRunProgress view)
    {
        foreach (var step in new[] { M1Config, M1Start, M2Config })
        {
            view.StepStarted(Lb, step, 1);
            view.StepFinished(Lb, step, StepState.Succeeded, step != M1Start, string.Empty);
        }

        view.StepStarted(Lb, Gate, 1);
        view.StepFinished(Lb, Gate, StepState.Succeeded, false, string.Empty);
    }
}
