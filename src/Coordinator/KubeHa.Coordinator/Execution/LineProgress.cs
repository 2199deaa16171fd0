using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>Plain line output, for logs and non-terminals.</summary>
public sealed class LineProgress(TextWriter output) : IRunProgress
{
    private readonly Lock _gate = new();

    public void RunStarted(Plan plan, string verb)
    {
    }

    public void PhaseStarted(int index, int count, Phase phase) => Write($"== phase {index}/{count} {phase.Name}: {phase.Description}");
    public void StepStarted(Phase phase, PlannedStep planned, int attempt) => Write($"   {Where(planned)} {planned.Description} ...{(attempt > 1 ? $" (attempt {attempt})" : string.Empty)}");
    public void StepSkipped(Phase phase, PlannedStep planned, string why) => Write($"   {Where(planned)} {planned.Description}: skipped ({why})");
    public void StepProgress(PlannedStep planned, string message) => Write($"   {Where(planned)}   {message}");
    public void StepFinished(Phase phase, PlannedStep planned, StepState state, bool changed, string reason) =>
        Write($"   {Where(planned)} {planned.Description}: {state.ToString().ToLowerInvariant()}{(changed ? " (changed)" : string.Empty)}{(reason.Length > 0 ? $": {reason}" : string.Empty)}");
    public void RollbackPhaseStarted(int index, int count, Phase phase, IReadOnlyList<PlannedStep> steps) => Write($"== rolling back phase {phase.Name}");
    public void StepRolledBack(PlannedStep planned, bool succeeded, string reason) =>
        Write($"   {Where(planned)} {planned.Description}: {(succeeded ? "rolled back" : $"ROLLBACK FAILED: {reason}")}");
    public void Message(string text) => Write(text);

    public void RunFinished(RunResult result)
    {
    }

    private static string Where(PlannedStep planned) => $"[{(planned.Node.Length > 0 ? planned.Node : "cluster")}]";

    private void Write(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
