using System.Text;
using Google.Protobuf;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>
/// The plan as `kubeha plan` prints it: phases, steps per node, and for each step checked
/// against its agent the outcome and the unified diff of every file it would change.
/// </summary>
public static class PlanText
{
    private static readonly JsonFormatter Compact = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    /// <param name="withSpecs">Also print each step's spec as JSON (golden files, reviews).</param>
    public static string Render(Plan plan, bool withSpecs)
    {
        var s = new StringBuilder();
        s.Append($"plan for cluster '{plan.Cluster}' ({plan.Phases.Count} phases, {plan.Phases.Sum(p => p.Steps.Count)} steps)\n");
        var n = 0;
        foreach (var phase in plan.Phases)
        {
            s.Append($"\n== phase {++n} {phase.Name}: {phase.Description}\n");
            foreach (var step in phase.Steps)
            {
                RenderStep(s, step, withSpecs);
            }
        }

        return s.ToString();
    }

    private static void RenderStep(StringBuilder s, PlannedStep step, bool withSpecs)
    {
        var where = step.Node.Length > 0 ? step.Node : "cluster";
        var tags = new List<string>();
        if (step.Gate)
        {
            tags.Add(step.Verify == StepVerify.Unspecified ? "gate" : "check");
        }

        if (step.Wave.Length > 0)
        {
            tags.Add($"wave {step.Wave}");
        }

        if (step.InputsFrom.Length > 0)
        {
            tags.Add($"inputs from {step.InputsFrom}");
        }

        s.Append($"  [{where}] {step.Id}: {step.Description}{(tags.Count > 0 ? $"  ({string.Join(", ", tags)})" : string.Empty)}\n");
        if (withSpecs)
        {
            s.Append("      spec: ").Append(step.KindCase == PlannedStep.KindOneofCase.Agent ? Compact.Format(step.Agent) : Compact.Format(step.Cluster)).Append('\n');
        }

        if (step.Check is { } check && check.StepId.Length > 0)
        {
            RenderCheck(s, check);
        }
    }

    private static void RenderCheck(StringBuilder s, StepResult check)
    {
        var verdict = check.Outcome switch
        {
            StepOutcome.Succeeded => check.Changed ? "would change" : "no change",
            StepOutcome.Refused => "REFUSED",
            _ => "FAILED",
        };
        s.Append($"      dry run: {verdict}{(check.Reason.Length > 0 ? $": {check.Reason}" : string.Empty)}\n");
        foreach (var effect in check.Effects)
        {
            s.Append($"        {effect}\n");
        }

        foreach (var change in check.Changes)
        {
            s.Append($"      {change.Kind.ToString().ToLowerInvariant()} {change.Path}{(change.Secret ? " (secret: digests only)" : string.Empty)}\n");
            foreach (var line in change.UnifiedDiff.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                s.Append("        ").Append(line).Append('\n');
            }
        }
    }
}
