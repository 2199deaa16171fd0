using System.Globalization;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Drift;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Pki;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Cli.Commands;

/// <summary>
/// `kubeha drift --fix`: the corrective plan, its dry run on every agent (per-file diffs), a
/// confirmation, then the journaled executor, recorded as a corrective run.
/// </summary>
internal static class DriftFix
{
    public static async Task<int> RunAsync(CliContext ctx, DriftStore store, string? inventoryPath, bool yes, string? progressView, CancellationToken ct)
    {
        if (inventoryPath is null)
        {
            ctx.Err.WriteLine("kubeha drift --fix: give the inventory with -f cluster.yaml (the agents' addresses)");
            return ExitCodes.BadInput;
        }

        var inventory = InventoryArgs.Load(inventoryPath, ctx, "drift --fix");
        if (inventory is null)
        {
            return ExitCodes.BadInput;
        }

        var runId = "fix-" + ctx.Time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var (plan, notCorrectable) = DriftFixPlanner.Build(store.Items().Select(i => i.Item), runId, inventory.Cluster);
        foreach (var item in notCorrectable)
        {
            ctx.Out.WriteLine($"not correctable by an agent step: {item.Node} {ClusterRules.KindName(item.Kind)} {item.Subject} (expected {item.Expected}, actual {item.Actual})");
        }

        var steps = plan.Phases.SelectMany(p => p.Steps).ToList();
        if (steps.Count == 0)
        {
            ctx.Out.WriteLine("nothing to fix");
            return notCorrectable.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }

        var unknown = steps.Where(s => inventory.Find(s.Node) is null).Select(s => s.Node).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            ctx.Err.WriteLine($"kubeha drift --fix: drift on node(s) not in {inventoryPath}: {string.Join(", ", unknown)}");
            return ExitCodes.BadInput;
        }

        try
        {
            await using var pool = ctx.OpenPool(inventory);
            ctx.Out.WriteLine($"corrective run {runId}: {steps.Count} step(s); dry run first:");
            foreach (var step in steps)
            {
                var check = await new StepSubmitter(ctx.Time).RunAsync(pool[step.Node],
                    new ExecuteStepRequest { RunId = runId, StepId = step.Id + ".check", Mode = StepMode.Check, Step = step.Agent },
                    NullStepObserver.Instance, ct).ConfigureAwait(false);
                step.Check = check;
                ctx.Out.WriteLine($"  [{step.Node}] {step.Description}: {check.Outcome.ToString().ToUpperInvariant()}{(check.Reason.Length > 0 ? $": {check.Reason}" : string.Empty)}");
                foreach (var change in check.Changes)
                {
                    ctx.Out.WriteLine($"    {change.Kind.ToString().ToLowerInvariant()} {change.Path}");
                    foreach (var line in change.UnifiedDiff.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        ctx.Out.WriteLine("      " + line);
                    }
                }

                if (check.Outcome != StepOutcome.Succeeded)
                {
                    ctx.Err.WriteLine($"kubeha drift --fix: the dry run of '{step.Id}' on {step.Node} did not succeed; nothing was changed");
                    return ExitCodes.Failure;
                }
            }

            if (!yes && !Confirm(ctx))
            {
                ctx.Err.WriteLine("kubeha drift --fix: not confirmed; nothing done");
                return ExitCodes.Failure;
            }

            using var journal = new RunJournal(ctx.StateDir, ctx.Time);
            var progress = ctx.Progress(progressView);
            using var view = progress as IDisposable;
            var result = await new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), progress, ctx.Time)
                .ApplyAsync(plan, ct, kind: "corrective").ConfigureAwait(false);
            if (!result.Succeeded)
            {
                ctx.Err.WriteLine($"kubeha drift --fix: {result.Message}");
                return ExitCodes.Failure;
            }

            ctx.Out.WriteLine("the agents re-check the corrected files at once; `kubeha drift` lists what is still open");
            return ExitCodes.Success;
        }
        catch (PkiException e)
        {
            ctx.Err.WriteLine($"kubeha drift --fix: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (AgentUnavailableException e)
        {
            ctx.Err.WriteLine($"kubeha drift --fix: {e.Message}; nothing was changed");
            return ExitCodes.Failure;
        }
    }

    private static bool Confirm(CliContext ctx)
    {
        if (Console.IsInputRedirected)
        {
            ctx.Err.WriteLine("kubeha drift --fix: standard input is not a terminal; pass --yes to confirm");
            return false;
        }

        ctx.Out.Write("Apply the corrective plan? [y/N] ");
        return string.Equals(Console.ReadLine()?.Trim(), "y", StringComparison.OrdinalIgnoreCase);
    }
}
