using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Steps;

/// <summary>Outcome of an action: a value, not an exception.</summary>
internal sealed record ActionResult(StepOutcome Outcome, string Reason)
{
    public static ActionResult Succeeded() => new(StepOutcome.Succeeded, string.Empty);

    public static ActionResult Failed(string reason) => new(StepOutcome.Failed, reason);

    public static ActionResult Refused(string reason) => new(StepOutcome.Refused, reason);
}
