using Grpc.Core;
using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// Runs a journaled plan phase by phase. Every transition is journaled before it is acted on.
/// A failed step or gate stops the run and rolls back the completed steps of the phase where
/// it failed (see <see cref="FailedPhase"/>). A resumed run skips completed steps; a step caught mid-flight by a crash is
/// resubmitted with the same id (the agent replays its result or finishes it once); a failed
/// or rolled-back step runs again as a new attempt.
/// </summary>
public sealed class PlanExecutor(RunJournal journal, AgentPool agents, IClusterStepRunner cluster, IRunProgress progress, TimeProvider time)
{
    /// <summary>
    /// Outputs of agent steps finished by this process, by plan step id. In memory only: they
    /// may hold secrets (join material), which never go into the plan or the journal. A step
    /// whose inputs are missing (after a resume) has its source step run again first.
    /// </summary>
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _outputs = new(StringComparer.Ordinal);

    /// <summary>Starts a new run of <paramref name="plan"/>.</summary>
    /// <param name="kind">Journaled run kind: "apply" (intentional) or "corrective" (`kubeha drift --fix`).</param>
    public Task<RunResult> ApplyAsync(Plan plan, CancellationToken cancellationToken, string kind = "apply")
    {
        journal.CreateRun(plan, kind);
        return TrackedAsync(plan, kind, () => ExecuteAsync(plan, cancellationToken));
    }

    /// <summary>Continues a journaled run.</summary>
    public Task<RunResult> ResumeAsync(string runId, CancellationToken cancellationToken)
    {
        var plan = journal.LoadPlan(runId) ?? throw new KeyNotFoundException($"no run '{runId}' in the journal {journal.Path}");
        journal.SetRun(runId, RunStatus.Running, "resumed");
        return TrackedAsync(plan, "resume", () => ExecuteAsync(plan, cancellationToken));
    }

    /// <summary>Tells the progress view that the run started and, whatever happens, that it ended.</summary>
    private async Task<RunResult> TrackedAsync(Plan plan, string verb, Func<Task<RunResult>> run)
    {
        progress.RunStarted(plan, verb);
        RunResult? result = null;
        try
        {
            result = await run().ConfigureAwait(false);
            return result;
        }
        finally
        {
            if (result is null)
            {
                var again = verb == "rollback" ? $"kubeha rollback {plan.RunId}" : $"kubeha apply --resume {plan.RunId}";
                result = new RunResult(plan.RunId, false, $"run {plan.RunId}: interrupted; continue with: {again}");
                progress.Message(result.Message);
            }

            progress.RunFinished(result);
        }
    }

    private async Task<RunResult> ExecuteAsync(Plan plan, CancellationToken cancellationToken)
    {
        var phases = plan.Phases;
        for (var p = 0; p < phases.Count; p++)
        {
            var phase = phases[p];
            progress.PhaseStarted(p + 1, phases.Count, phase);
            foreach (var group in Waves(phase))
            {
                var outcomes = await Task.WhenAll(group.Select(s => RunStepAsync(plan, phase, s, cancellationToken))).ConfigureAwait(false);
                var failed = group.Zip(outcomes).Where(x => !x.Second.Ok).ToList();
                if (failed.Count == 0)
                {
                    continue;
                }

                var (step, outcome) = failed[0];
                var message = $"phase '{phase.Name}': {(step.Gate ? "gate" : "step")} '{step.Id}' on {(step.Node.Length > 0 ? $"node '{step.Node}'" : "the cluster")} failed: {outcome.Reason}. " +
                              await RollbackFailedAsync(plan, phase, [.. failed.Select(f => f.First)], cancellationToken).ConfigureAwait(false) +
                              $"Fix the cause, then continue with: kubeha apply --resume {plan.RunId} (or undo the whole run with: kubeha rollback {plan.RunId})";
                journal.SetRun(plan.RunId, RunStatus.Failed, message);
                progress.Message(message);
                return new RunResult(plan.RunId, false, message);
            }
        }

        journal.SetRun(plan.RunId, RunStatus.Succeeded, "all phases done");
        progress.Message($"run {plan.RunId}: all {phases.Count} phases done");
        return new RunResult(plan.RunId, true, string.Empty);
    }

    /// <summary>
    /// Rolls back, for each place a failed step concerns (<see cref="FailedPhase.Places"/>), the
    /// completed steps of <paramref name="phase"/> there; returns the sentence saying what was undone.
    /// </summary>
    private async Task<string> RollbackFailedAsync(Plan plan, Phase phase, IReadOnlyList<PlannedStep> failed, CancellationToken cancellationToken)
    {
        var rollback = new StepRollback(journal, agents, cluster, progress, time);
        var outcomes = new List<(string Place, RollbackOutcome Outcome)>();
        foreach (var place in FailedPhase.Places(failed))
        {
            var steps = rollback.Candidates(plan.RunId, phase, s => s.Node == place && (place.Length > 0 || s.KindCase == PlannedStep.KindOneofCase.Cluster));
            outcomes.Add((place, await rollback.RunAsync(plan.RunId, steps, cancellationToken).ConfigureAwait(false)));
        }

        return FailedPhase.Describe(failed[0], outcomes, plan.RunId);
    }

    /// <summary>Consecutive steps sharing a non-empty wave run together; others one at a time.</summary>
    private static IEnumerable<List<PlannedStep>> Waves(Phase phase)
    {
        var current = new List<PlannedStep>();
        foreach (var step in phase.Steps)
        {
            if (current.Count > 0 && (step.Wave.Length == 0 || step.Wave != current[0].Wave))
            {
                yield return current;
                current = [];
            }

            current.Add(step);
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }

    private async Task<StepOutcomeValue> RunStepAsync(Plan plan, Phase phase, PlannedStep step, CancellationToken cancellationToken)
    {
        var record = journal.Step(plan.RunId, step.Id);
        switch (record.State)
        {
            case StepState.Succeeded:
                progress.StepSkipped(phase, step, "already done in this run");
                return new StepOutcomeValue(true, string.Empty);
            case StepState.Failed or StepState.Refused or StepState.RolledBack:
                journal.NextAttempt(plan.RunId, step.Id);
                record = journal.Step(plan.RunId, step.Id);
                break;
        }

        progress.StepStarted(phase, step, record.Attempt);
        if (step.KindCase == PlannedStep.KindOneofCase.Cluster)
        {
            journal.SetStep(plan.RunId, step.Id, StepState.Submitted);
            var result = await cluster.RunAsync(plan.RunId, step, cancellationToken).ConfigureAwait(false);
            var state = result.Succeeded ? StepState.Succeeded : StepState.Failed;
            journal.SetStep(plan.RunId, step.Id, state, result.Reason, result.Changed);
            progress.StepFinished(phase, step, state, result.Changed, result.Reason);
            return new StepOutcomeValue(result.Succeeded, result.Reason);
        }

        var spec = step.Agent;
        if (step.InputsFrom.Length > 0)
        {
            var (inputs, inputsError) = await InputsAsync(plan, phase, step, cancellationToken).ConfigureAwait(false);
            if (inputs is null)
            {
                return Failed(plan, phase, step, inputsError);
            }

            spec = StepInputs.Apply(spec, inputs);
        }

        var request = new ExecuteStepRequest
        {
            RunId = plan.RunId,
            StepId = record.AgentStepId,
            Mode = step.Verify == StepVerify.Unspecified ? StepMode.Apply : StepMode.Check,
            Step = spec,
            ExpectedNode = step.Node,
        };
        StepResult agentResult;
        try
        {
            agentResult = await new StepSubmitter(time).RunAsync(agents[step.Node], request, new JournalObserver(journal, progress, step), cancellationToken).ConfigureAwait(false);
        }
        catch (AgentUnavailableException e)
        {
            return Failed(plan, phase, step, e.Message);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // An error status from the agent itself (not a transport failure, which AgentConnection retries).
            return Failed(plan, phase, step, $"agent {step.Node} answered {e.StatusCode}: {e.Status.Detail}");
        }

        var finalState = agentResult.Outcome switch
        {
            StepOutcome.Succeeded => StepState.Succeeded,
            StepOutcome.Refused => StepState.Refused,
            _ => StepState.Failed,
        };
        var reason = agentResult.Reason;
        if (finalState == StepState.Succeeded && step.Verify == StepVerify.Unchanged && agentResult.Changed)
        {
            finalState = StepState.Failed;
            reason = "not as expected: " + string.Join("; ", agentResult.Changes.Select(c => $"{c.Path} would change").Concat(agentResult.Effects));
        }

        if (finalState == StepState.Succeeded && agentResult.Outputs.Count + agentResult.SecretOutputs.Count > 0)
        {
            _outputs[step.Id] = agentResult.Outputs.Concat(agentResult.SecretOutputs).ToDictionary(StringComparer.Ordinal);
        }

        journal.SetStep(plan.RunId, step.Id, finalState, reason, agentResult.Changed,
            agentResult.Replayed ? $"{finalState} (replayed by the agent: it had already executed this step)" : null);
        progress.StepFinished(phase, step, finalState, agentResult.Changed, reason);
        return new StepOutcomeValue(finalState == StepState.Succeeded, reason);
    }

    /// <summary>Rolls back a whole run, phase by phase in reverse.</summary>
    public Task<RunResult> RollbackRunAsync(string runId, CancellationToken cancellationToken)
    {
        var plan = journal.LoadPlan(runId) ?? throw new KeyNotFoundException($"no run '{runId}' in the journal {journal.Path}");
        return TrackedAsync(plan, "rollback", () => RollbackAllAsync(plan, cancellationToken));
    }

    private async Task<RunResult> RollbackAllAsync(Plan plan, CancellationToken cancellationToken)
    {
        var rollback = new StepRollback(journal, agents, cluster, progress, time);
        var failures = new List<string>();
        for (var p = plan.Phases.Count - 1; p >= 0; p--)
        {
            var phase = plan.Phases[p];
            var steps = rollback.Candidates(plan.RunId, phase, _ => true);
            progress.RollbackPhaseStarted(plan.Phases.Count - p, plan.Phases.Count, phase, steps);
            failures.AddRange((await rollback.RunAsync(plan.RunId, steps, cancellationToken).ConfigureAwait(false)).Failed);
        }

        var ok = failures.Count == 0;
        var message = ok ? "rolled back" : $"rollback incomplete: {string.Join("; ", failures)}";
        journal.SetRun(plan.RunId, ok ? RunStatus.RolledBack : RunStatus.Failed, message);
        progress.Message($"run {plan.RunId}: {message}");
        return new RunResult(plan.RunId, ok, ok ? string.Empty : message);
    }

    /// <summary>
    /// The outputs of <paramref name="step"/>'s source step: from memory, or by running the
    /// source step again (a new attempt) when this process has not seen them (resume).
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, string>? Inputs, string Error)> InputsAsync(Plan plan, Phase phase, PlannedStep step, CancellationToken cancellationToken)
    {
        if (_outputs.TryGetValue(step.InputsFrom, out var known))
        {
            return (known, string.Empty);
        }

        var source = plan.Phases.SelectMany(p => p.Steps).FirstOrDefault(s => s.Id == step.InputsFrom);
        if (source is null || source.KindCase != PlannedStep.KindOneofCase.Agent)
        {
            return (null, $"step {step.Id}: inputs_from names no agent step '{step.InputsFrom}' of this plan");
        }

        progress.Message($"   [{source.Node}] {source.Description}: run again (its outputs are kept in memory only, and this process has not seen them)");
        if (journal.Step(plan.RunId, source.Id).State == StepState.Succeeded)
        {
            journal.NextAttempt(plan.RunId, source.Id);
        }

        var again = await RunStepAsync(plan, phase, source, cancellationToken).ConfigureAwait(false);
        return again.Ok && _outputs.TryGetValue(source.Id, out var fresh)
            ? (fresh, string.Empty)
            : (null, $"step {step.Id}: its inputs from step {source.Id} are not available: {(again.Ok ? "that step gave no outputs" : again.Reason)}");
    }

    private StepOutcomeValue Failed(Plan plan, Phase phase, PlannedStep step, string reason)
    {
        journal.SetStep(plan.RunId, step.Id, StepState.Failed, reason);
        progress.StepFinished(phase, step, StepState.Failed, false, reason);
        return new StepOutcomeValue(false, reason);
    }

    private sealed record StepOutcomeValue(bool Ok, string Reason);

    private sealed class JournalObserver(RunJournal journal, IRunProgress progress, PlannedStep step) : IStepObserver
    {
        public ValueTask SubmittedAsync(AgentEndpoint agent, ExecuteStepRequest request)
        {
            journal.SetStep(request.RunId, step.Id, StepState.Submitted, eventDetail: $"submitted as {request.StepId} to {agent.Node}");
            return ValueTask.CompletedTask;
        }

        public ValueTask AcknowledgedAsync(AgentEndpoint agent, StepAccepted accepted)
        {
            journal.SetStep(accepted.RunId, step.Id, StepState.Acknowledged, eventDetail: $"acknowledged by {accepted.Node}");
            return ValueTask.CompletedTask;
        }

        public ValueTask ProgressAsync(AgentEndpoint agent, ExecuteStepRequest request, StepProgress stepProgress)
        {
            journal.AddEvent(request.RunId, step.Id, "Progress", stepProgress.Message);
            progress.StepProgress(step, stepProgress.Message);
            return ValueTask.CompletedTask;
        }

        public ValueTask FinishedAsync(AgentEndpoint agent, StepResult result) => ValueTask.CompletedTask;
    }
}

public sealed record RunResult(string RunId, bool Succeeded, string Message);
