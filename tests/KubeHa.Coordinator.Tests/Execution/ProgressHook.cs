using KubeHa.Coordinator.Execution;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Tests.Execution;

/// <summary>A progress view that does nothing but call <paramref name="onProgress"/> on every step progress event.</summary>
internal sealed class ProgressHook(Action<PlannedStep> onProgress) : IRunProgress
{
    public void RunStarted(Plan plan, string verb) { }
    public void PhaseStarted(int index, int count, Phase phase) { }
    public void StepStarted(Phase phase, PlannedStep planned, int attempt) { }
    public void StepSkipped(Phase phase, PlannedStep planned, string why) { }
    public void StepProgress(PlannedStep planned, string message) => onProgress(planned);
    public void StepFinished(Phase phase, PlannedStep planned, StepState state, bool changed, string reason) { }
    public void RollbackPhaseStarted(int index, int count, Phase phase, IReadOnlyList<PlannedStep> steps) { }
    public void StepRolledBack(PlannedStep planned, bool succeeded, string reason) { }
    public void Message(string text) { }
    public void RunFinished(RunResult result) { }
}
