using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Cluster;
using KubeHa.Coordinator.Execution;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>
/// The dry run behind `kubeha plan`: every agent step is sent to its agent as a CHECK (which
/// writes nothing and is not recorded) and the result, with per-file diffs, is stored in the
/// step. Steps that need run-time inputs (join material) cannot be checked ahead of time.
/// </summary>
public sealed class PlanChecker(AgentPool agents, TimeProvider time, IClusterStepChecker? cluster = null)
{
    /// <summary>Checks at most this many steps at once (per agent the connection bounds it again).</summary>
    public int Parallelism { get; init; } = 16;

    /// <summary>Fills <see cref="PlannedStep.Check"/>; returns the problems (refused or failed checks, unreachable agents).</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(Plan plan, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var steps = plan.Phases.SelectMany(p => p.Steps.Select(s => (Phase: p.Name, Step: s)))
            .Where(x => x.Step.KindCase == PlannedStep.KindOneofCase.Agent && x.Step.InputsFrom.Length == 0)
            .ToList();
        using var gate = new SemaphoreSlim(Parallelism);
        await Task.WhenAll(steps.Select(async x =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var problem = await CheckStepAsync(plan.RunId, x.Phase, x.Step, cancellationToken).ConfigureAwait(false);
                if (problem is not null)
                {
                    lock (problems)
                    {
                        problems.Add(problem);
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        if (cluster is not null)
        {
            foreach (var phase in plan.Phases)
            {
                foreach (var step in phase.Steps.Where(s => s.KindCase == PlannedStep.KindOneofCase.Cluster && s.Cluster.ActionCase != ClusterStep.ActionOneofCase.Noop))
                {
                    var check = await cluster.CheckAsync(step, cancellationToken).ConfigureAwait(false);
                    step.Check = check.ToStepResult(plan.RunId, step.Id + ".check");
                    // Gates judge the state earlier steps create; only preflight gates and changes count now.
                    if (!check.Succeeded && (phase.Name == "preflight" || !step.Gate))
                    {
                        problems.Add($"{step.Id} (cluster): {check.Reason}");
                    }
                }
            }
        }

        return [.. problems.Order(StringComparer.Ordinal)];
    }

    private async Task<string?> CheckStepAsync(string runId, string phase, PlannedStep step, CancellationToken cancellationToken)
    {
        var request = new ExecuteStepRequest
        {
            RunId = runId,
            StepId = step.Id + ".check",
            Mode = StepMode.Check,
            Step = step.Agent,
            ExpectedNode = step.Node,
        };
        try
        {
            step.Check = await new StepSubmitter(time).RunAsync(agents[step.Node], request, NullStepObserver.Instance, cancellationToken).ConfigureAwait(false);
        }
        catch (AgentUnavailableException e)
        {
            step.Check = new StepResult { StepId = request.StepId, Node = step.Node, Mode = StepMode.Check, Outcome = StepOutcome.Failed, Reason = e.Message };
        }

        // Steps of the join phase act on nodes that only exist as masters after their join.
        return step.Check.Outcome == StepOutcome.Succeeded || phase == "join" || (phase != "preflight" && IsExpectedBeforeEarlierSteps(step))
            ? null
            : $"{step.Id} on {step.Node}: {step.Check.Outcome.ToString().ToLowerInvariant()}: {step.Check.Reason}";
    }

    /// <summary>
    /// Outside preflight, probes and checks judge the state the earlier steps create (an endpoint
    /// that does not exist yet, a node that has not joined): their dry run today is shown, not
    /// held against the plan.
    /// </summary>
    private static bool IsExpectedBeforeEarlierSteps(PlannedStep step) =>
        step.Agent.ActionCase is StepSpec.ActionOneofCase.Probe or StepSpec.ActionOneofCase.EtcdMember or StepSpec.ActionOneofCase.StaticPodFlags
            || step.Verify == StepVerify.Unchanged
            || StepInputs.IsRestart(step);
}
