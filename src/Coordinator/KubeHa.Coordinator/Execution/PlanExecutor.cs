using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// Runs a journaled plan phase by phase. Every transition is journaled before it is acted on.
/// A failed step or gate stops the run and rolls back that node's completed steps of the
/// phase. A resumed run skips completed steps; a step caught mid-flight by a crash is
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
        return ExecuteAsync(plan, cancellationToken);
    }

    /// <summary>Continues a journaled run.</summary>
    public Task<RunResult> ResumeAsync(string runId, CancellationToken cancellationToken)
    {
        var plan = journal.LoadPlan(runId) ?? throw new KeyNotFoundException($"no run '{runId}' in the journal {journal.Path}");
        journal.SetRun(runId, RunStatus.Running, "resumed");
        return ExecuteAsync(plan, cancellationToken);
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

                var rolledBack = new List<string>();
                foreach (var node in failed.Select(f => f.First.Node).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal))
                {
                    rolledBack.AddRange(await RollbackNodePhaseAsync(plan, phase, node, cancellationToken).ConfigureAwait(false));
                }

                var (step, outcome) = failed[0];
                var message = $"phase '{phase.Name}': {(step.Gate ? "gate" : "step")} '{step.Id}' on {(step.Node.Length > 0 ? $"node '{step.Node}'" : "the cluster")} failed: {outcome.Reason}. " +
                              (rolledBack.Count > 0 ? $"Rolled back on that node: {string.Join(", ", rolledBack)}. " : "Nothing to roll back on that node. ") +
                              $"Fix the cause, then continue with: kubeha apply --resume {plan.RunId}";
                journal.SetRun(plan.RunId, RunStatus.Failed, message);
                progress.Message(message);
                return new RunResult(plan.RunId, false, message);
            }
        }

        journal.SetRun(plan.RunId, RunStatus.Succeeded, "all phases done");
        progress.Message($"run {plan.RunId}: all {phases.Count} phases done");
        return new RunResult(plan.RunId, true, string.Empty);
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
        var record = journal.Steps(plan.RunId)[step.Id];
        switch (record.State)
        {
            case StepState.Succeeded:
                progress.StepSkipped(phase, step, "already done in this run");
                return new StepOutcomeValue(true, string.Empty);
            case StepState.Failed or StepState.Refused or StepState.RolledBack:
                journal.NextAttempt(plan.RunId, step.Id);
                record = journal.Steps(plan.RunId)[step.Id];
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
                journal.SetStep(plan.RunId, step.Id, StepState.Failed, inputsError);
                progress.StepFinished(phase, step, StepState.Failed, false, inputsError);
                return new StepOutcomeValue(false, inputsError);
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
            journal.SetStep(plan.RunId, step.Id, StepState.Failed, e.Message);
            progress.StepFinished(phase, step, StepState.Failed, false, e.Message);
            return new StepOutcomeValue(false, e.Message);
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

    /// <summary>Undoes, newest first, the completed agent steps of one node in one phase.</summary>
    private async Task<List<string>> RollbackNodePhaseAsync(Plan plan, Phase phase, string node, CancellationToken cancellationToken)
    {
        var done = new List<string>();
        var records = journal.Steps(plan.RunId);
        // Files first (newest first), then restarts (in plan order): a restart's rollback
        // restarts again, so it must run after the files it depends on are restored.
        var candidates = phase.Steps.Reverse().Where(s => s.Node == node && !s.Gate && s.Verify == StepVerify.Unspecified).ToList();
        foreach (var step in StepInputs.RollbackOrder(candidates))
        {
            var record = records[step.Id];
            if (record.State is not (StepState.Succeeded or StepState.Failed) || step.KindCase != PlannedStep.KindOneofCase.Agent)
            {
                continue;
            }

            if (await RollbackAgentStepAsync(plan.RunId, step, record, cancellationToken).ConfigureAwait(false))
            {
                done.Add(step.Id);
            }
        }

        return done;
    }

    /// <summary>Rolls back a whole run, phase by phase in reverse.</summary>
    public async Task<RunResult> RollbackRunAsync(string runId, CancellationToken cancellationToken)
    {
        var plan = journal.LoadPlan(runId) ?? throw new KeyNotFoundException($"no run '{runId}' in the journal {journal.Path}");
        var failures = new List<string>();
        foreach (var phase in plan.Phases.Reverse())
        {
            progress.Message($"== rolling back phase {phase.Name}");
            var candidates = phase.Steps.Reverse().Where(s => !s.Gate && s.Verify == StepVerify.Unspecified).ToList();
            foreach (var step in StepInputs.RollbackOrder(candidates))
            {
                var record = journal.Steps(runId)[step.Id];
                if (record.State is not (StepState.Succeeded or StepState.Failed))
                {
                    continue;
                }

                if (step.KindCase == PlannedStep.KindOneofCase.Cluster)
                {
                    var r = await cluster.RollbackAsync(runId, step, cancellationToken).ConfigureAwait(false);
                    if (r.Succeeded)
                    {
                        journal.SetStep(runId, step.Id, StepState.RolledBack, r.Reason);
                    }
                    else
                    {
                        failures.Add($"{step.Id}: {r.Reason}");
                    }
                }
                else if (!await RollbackAgentStepAsync(runId, step, record, cancellationToken).ConfigureAwait(false))
                {
                    failures.Add($"{step.Id} on {step.Node}: {journal.Steps(runId)[step.Id].Reason}");
                }
            }
        }

        var ok = failures.Count == 0;
        var message = ok ? "rolled back" : $"rollback incomplete: {string.Join("; ", failures)}";
        journal.SetRun(runId, ok ? RunStatus.RolledBack : RunStatus.Failed, message);
        progress.Message($"run {runId}: {message}");
        return new RunResult(runId, ok, ok ? string.Empty : message);
    }

    private async Task<bool> RollbackAgentStepAsync(string runId, PlannedStep step, StepRecord record, CancellationToken cancellationToken)
    {
        var request = new ExecuteStepRequest
        {
            RunId = runId,
            StepId = record.AgentStepId + ".rollback",
            Mode = StepMode.Rollback,
            RollbackOfStepId = record.AgentStepId,
        };
        try
        {
            var result = await new StepSubmitter(time).RunAsync(agents[step.Node], request, NullStepObserver.Instance, cancellationToken).ConfigureAwait(false);
            if (result.Outcome == StepOutcome.Succeeded)
            {
                journal.SetStep(runId, step.Id, StepState.RolledBack, string.Empty, result.Changed, $"rolled back ({result.Changes.Count} file(s) restored)");
                progress.Message($"   [{step.Node}] {step.Description}: rolled back");
                return true;
            }

            journal.AddEvent(runId, step.Id, "RollbackFailed", result.Reason);
            progress.Message($"   [{step.Node}] {step.Description}: ROLLBACK FAILED: {result.Reason}");
            return false;
        }
        catch (AgentUnavailableException e)
        {
            journal.AddEvent(runId, step.Id, "RollbackFailed", e.Message);
            progress.Message($"   [{step.Node}] {step.Description}: ROLLBACK FAILED: {e.Message}");
            return false;
        }
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
        if (journal.Steps(plan.RunId)[source.Id].State == StepState.Succeeded)
        {
            journal.NextAttempt(plan.RunId, source.Id);
        }

        var again = await RunStepAsync(plan, phase, source, cancellationToken).ConfigureAwait(false);
        return again.Ok && _outputs.TryGetValue(source.Id, out var fresh)
            ? (fresh, string.Empty)
            : (null, $"step {step.Id}: its inputs from step {source.Id} are not available: {(again.Ok ? "that step gave no outputs" : again.Reason)}");
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
