using Grpc.Core;
using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// Undoes completed steps of a run: agent steps from the agent's backup (a ROLLBACK of the
/// step id), cluster steps through <see cref="IClusterStepRunner.RollbackAsync"/> (the saved
/// values put back). Each outcome is journaled and reported.
/// </summary>
internal sealed class StepRollback(RunJournal journal, AgentPool agents, IClusterStepRunner cluster, IRunProgress progress, TimeProvider time)
{
    /// <summary>
    /// The steps of <paramref name="phase"/> matching <paramref name="where"/> that have something to
    /// undo (succeeded, or failed part way), in rollback order: newest first, restarts after the
    /// file restores. Gates and verification steps change nothing and are never undone.
    /// </summary>
    public IReadOnlyList<PlannedStep> Candidates(string runId, Phase phase, Func<PlannedStep, bool> where)
    {
        var records = journal.Steps(runId);
        var newestFirst = phase.Steps.Reverse()
            .Where(s => !s.Gate && s.Verify == StepVerify.Unspecified && where(s) && records[s.Id].State is StepState.Succeeded or StepState.Failed)
            .ToList();
        return [.. StepInputs.RollbackOrder(newestFirst)];
    }

    /// <summary>Undoes <paramref name="steps"/> in the order given; goes on after a failure.</summary>
    public async Task<RollbackOutcome> RunAsync(string runId, IReadOnlyList<PlannedStep> steps, CancellationToken cancellationToken)
    {
        var done = new List<string>();
        var failed = new List<string>();
        foreach (var step in steps)
        {
            var error = step.KindCase == PlannedStep.KindOneofCase.Cluster
                ? await ClusterAsync(runId, step, cancellationToken).ConfigureAwait(false)
                : await AgentAsync(runId, step, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                done.Add(step.Id);
            }
            else
            {
                failed.Add($"{step.Id} on {(step.Node.Length > 0 ? step.Node : "the cluster")}: {error}");
            }
        }

        return new RollbackOutcome(done, failed);
    }

    private async Task<string?> ClusterAsync(string runId, PlannedStep step, CancellationToken cancellationToken)
    {
        var result = await cluster.RollbackAsync(runId, step, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            journal.SetStep(runId, step.Id, StepState.RolledBack, result.Reason, result.Changed);
            progress.StepRolledBack(step, true, result.Reason);
            return null;
        }

        return Failed(runId, step, result.Reason);
    }

    private async Task<string?> AgentAsync(string runId, PlannedStep step, CancellationToken cancellationToken)
    {
        var record = journal.Step(runId, step.Id);
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
            if (result.Outcome != StepOutcome.Succeeded)
            {
                return Failed(runId, step, result.Reason);
            }

            journal.SetStep(runId, step.Id, StepState.RolledBack, string.Empty, result.Changed, $"rolled back ({result.Changes.Count} file(s) restored)");
            progress.StepRolledBack(step, true, string.Empty);
            return null;
        }
        catch (AgentUnavailableException e)
        {
            return Failed(runId, step, e.Message);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(runId, step, $"agent {step.Node} answered {e.StatusCode}: {e.Status.Detail}");
        }
    }

    private string Failed(string runId, PlannedStep step, string reason)
    {
        journal.AddEvent(runId, step.Id, "RollbackFailed", reason);
        progress.StepRolledBack(step, false, reason);
        return reason;
    }
}

/// <summary>Step ids undone, and "step on node: reason" for each rollback that failed.</summary>
internal sealed record RollbackOutcome(IReadOnlyList<string> Done, IReadOnlyList<string> Failed);
