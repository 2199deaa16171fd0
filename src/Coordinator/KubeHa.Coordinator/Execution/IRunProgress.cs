using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// What the progress view is told while a run executes. Calls come from several threads at
/// once (the steps of a wave run in parallel); implementations are thread-safe.
/// </summary>
public interface IRunProgress
{
    /// <summary>A run starts; <paramref name="verb"/> is apply, resume, corrective or rollback.</summary>
    void RunStarted(Plan plan, string verb);
    void PhaseStarted(int index, int count, Phase phase);
    void StepStarted(Phase phase, PlannedStep planned, int attempt);
    void StepSkipped(Phase phase, PlannedStep planned, string why);
    void StepProgress(PlannedStep planned, string message);
    void StepFinished(Phase phase, PlannedStep planned, StepState state, bool changed, string reason);
    /// <summary>`kubeha rollback`: phase <paramref name="index"/> of <paramref name="count"/> (counted in reverse) and the steps about to be undone in it.</summary>
    void RollbackPhaseStarted(int index, int count, Phase phase, IReadOnlyList<PlannedStep> steps);
    /// <summary>A completed step was undone (or its rollback failed, with <paramref name="reason"/>).</summary>
    void StepRolledBack(PlannedStep planned, bool succeeded, string reason);
    void Message(string text);
    /// <summary>The run ended (also when interrupted: then not succeeded). Called once per <see cref="RunStarted"/>.</summary>
    void RunFinished(RunResult result);
}
