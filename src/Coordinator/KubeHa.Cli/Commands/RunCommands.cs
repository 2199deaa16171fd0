using System.CommandLine;
using Google.Protobuf;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Pki;
using KubeHa.Coordinator.Planning;
using KubeHa.Coordinator.Cluster;
using KubeHa.Coordinator.Locking;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Cli.Commands;

/// <summary>`kubeha apply`, `kubeha rollback`, `kubeha status`, `kubeha runs`.</summary>
internal static class RunCommands
{
    public static IEnumerable<Command> Create(Func<CliContext> context)
    {
        yield return Apply(context);
        yield return Rollback(context);
        yield return Status(context);
        yield return Runs(context);
    }

    private static Command Apply(Func<CliContext> context)
    {
        var file = InventoryArgs.File();
        var planFile = new Option<string>("--plan") { Description = "Run this plan (JSON from `kubeha plan -o json`), exactly as reviewed; without it the plan is made from the inventory and dry-run first" };
        var resume = new Option<string>("--resume") { Description = "Continue the journaled run RUN_ID; completed steps are not repeated" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var progressView = InventoryArgs.Progress();
        var cmd = new Command("apply", "Run a plan across the agents, journaled, gated and resumable") { file, planFile, resume, yes, progressView };
        cmd.SetAction(async (parse, ct) =>
        {
            var ctx = context();
            var inventory = InventoryArgs.Load(parse.GetValue(file)!, ctx, "apply");
            if (inventory is null)
            {
                return ExitCodes.BadInput;
            }

            var runId = parse.GetValue(resume);
            Plan? plan = null;
            if (runId is null)
            {
                var path = parse.GetValue(planFile);
                if (path is null)
                {
                    plan = PlanCommand.Build(inventory, ctx);
                    path = inventory.Path;
                    try
                    {
                        await using var checkPool = ctx.OpenPool(inventory);
                        using var checkCluster = PlanCommand.ClusterRunner(inventory, ctx);
                        var problems = await new PlanChecker(checkPool, ctx.Time, checkCluster).CheckAsync(plan, ct).ConfigureAwait(false);
                        if (problems.Count > 0)
                        {
                            PlanCommand.ReportProblems(ctx, "apply", problems);
                            return ExitCodes.Failure;
                        }
                    }
                    catch (PkiException e)
                    {
                        ctx.Err.WriteLine($"kubeha apply: {e.Message}");
                        return ExitCodes.BadInput;
                    }
                }
                else
                {
                    try
                    {
                        plan = JsonParser.Default.Parse<Plan>(File.ReadAllText(path));
                    }
                    catch (Exception e) when (e is IOException or InvalidProtocolBufferException or InvalidJsonException)
                    {
                        ctx.Err.WriteLine($"kubeha apply: {path}: not a readable plan: {e.Message}");
                        return ExitCodes.BadInput;
                    }
                }

                var unknown = plan.Phases.SelectMany(p => p.Steps).Where(s => s.Node.Length > 0 && inventory.Find(s.Node) is null).Select(s => $"{s.Id} -> {s.Node}").ToList();
                if (unknown.Count > 0)
                {
                    ctx.Err.WriteLine($"kubeha apply: {path}: steps name nodes not in the inventory: {string.Join(", ", unknown)}");
                    return ExitCodes.BadInput;
                }

                if (!parse.GetValue(yes) && !Confirm(ctx, plan))
                {
                    ctx.Err.WriteLine("kubeha apply: not confirmed; nothing done");
                    return ExitCodes.Failure;
                }
            }

            try
            {
                using var journal = new RunJournal(ctx.StateDir, ctx.Time);
                await using var pool = ctx.OpenPool(inventory);
                using var kubernetes = PlanCommand.ClusterRunner(inventory, ctx);
                IClusterStepRunner cluster = kubernetes is null ? new OfflineClusterStepRunner() : kubernetes;
                var id = plan?.RunId ?? runId!;
                // One coordinator at a time: a Lease in kube-system, renewed while the run goes on.
                await using var lease = kubernetes is null ? null
                    : await new ClusterLock(kubernetes.Client, ctx.Time).AcquireAsync(ClusterLock.HolderFor(id), ct).ConfigureAwait(false);
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct, lease?.Lost ?? CancellationToken.None);
                var progress = ctx.Progress(parse.GetValue(progressView));
                using var view = progress as IDisposable;
                var executor = new PlanExecutor(journal, pool, cluster, progress, ctx.Time);
                var result = plan is null
                    ? await executor.ResumeAsync(runId!, lost.Token).ConfigureAwait(false)
                    : await executor.ApplyAsync(plan, lost.Token).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    ctx.Err.WriteLine($"kubeha apply: {result.Message}");
                }

                return result.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
            }
            catch (PkiException e)
            {
                ctx.Err.WriteLine($"kubeha apply: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (KeyNotFoundException e)
            {
                ctx.Err.WriteLine($"kubeha apply: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (ClusterLockHeldException e)
            {
                ctx.Err.WriteLine($"kubeha apply: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return cmd;
    }

    private static bool Confirm(CliContext ctx, Plan plan)
    {
        ctx.Out.WriteLine($"run {plan.RunId}: {plan.Phases.Count} phase(s), {plan.Phases.Sum(p => p.Steps.Count)} step(s) on cluster {plan.Cluster}.");
        if (Console.IsInputRedirected)
        {
            ctx.Err.WriteLine("kubeha apply: standard input is not a terminal; pass --yes to confirm");
            return false;
        }

        ctx.Out.Write("Proceed? [y/N] ");
        return string.Equals(Console.ReadLine()?.Trim(), "y", StringComparison.OrdinalIgnoreCase);
    }

    private static Command Rollback(Func<CliContext> context)
    {
        var file = InventoryArgs.File();
        var run = new Argument<string>("RUN_ID") { Description = "The run to undo" };
        var progressView = InventoryArgs.Progress();
        var cmd = new Command("rollback", "Undo a run, phase by phase in reverse, from the agents' backups") { file, run, progressView };
        cmd.SetAction(async (parse, ct) =>
        {
            var ctx = context();
            var inventory = InventoryArgs.Load(parse.GetValue(file)!, ctx, "rollback");
            if (inventory is null)
            {
                return ExitCodes.BadInput;
            }

            try
            {
                using var journal = new RunJournal(ctx.StateDir, ctx.Time);
                await using var pool = ctx.OpenPool(inventory);
                using var kubernetes = PlanCommand.ClusterRunner(inventory, ctx);
                var progress = ctx.Progress(parse.GetValue(progressView));
                using var view = progress as IDisposable;
                var result = await new PlanExecutor(journal, pool, kubernetes is null ? new OfflineClusterStepRunner() : kubernetes, progress, ctx.Time)
                    .RollbackRunAsync(parse.GetValue(run)!, ct).ConfigureAwait(false);
                return result.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
            }
            catch (Exception e) when (e is PkiException or KeyNotFoundException)
            {
                ctx.Err.WriteLine($"kubeha rollback: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return cmd;
    }

    private static Command Status(Func<CliContext> context)
    {
        var run = new Argument<string>("RUN_ID") { Description = "Run to show (default: the last one)", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("status", "Show the current or last run, step by step") { run };
        cmd.SetAction(parse =>
        {
            var ctx = context();
            using var journal = new RunJournal(ctx.StateDir, ctx.Time);
            var runs = journal.Runs();
            var id = parse.GetValue(run) ?? (runs.Count > 0 ? runs[^1].RunId : null);
            var record = runs.FirstOrDefault(r => r.RunId == id);
            if (record is null)
            {
                ctx.Err.WriteLine(id is null ? "kubeha status: no runs yet" : $"kubeha status: no run '{id}'");
                return id is null ? ExitCodes.Success : ExitCodes.BadInput;
            }

            ctx.Out.WriteLine($"run {record.RunId} ({record.Kind}) on {record.Cluster}: {record.Status} {record.Message}");
            var plan = journal.LoadPlan(record.RunId)!;
            var steps = journal.Steps(record.RunId);
            foreach (var phase in plan.Phases)
            {
                ctx.Out.WriteLine($"  {phase.Name}");
                foreach (var step in phase.Steps)
                {
                    var s = steps[step.Id];
                    ctx.Out.WriteLine($"    {s.State,-12} {(step.Node.Length > 0 ? step.Node : "cluster"),-12} {step.Id}{(s.Attempt > 1 ? $" (attempt {s.Attempt})" : string.Empty)}{(s.Reason.Length > 0 ? $": {s.Reason}" : string.Empty)}");
                }
            }

            return ExitCodes.Success;
        });
        return cmd;
    }

    private static Command Runs(Func<CliContext> context)
    {
        var cmd = new Command("runs", "List journaled runs");
        cmd.SetAction(_ =>
        {
            var ctx = context();
            using var journal = new RunJournal(ctx.StateDir, ctx.Time);
            ctx.Out.WriteLine($"{"RUN",-28} {"KIND",-8} {"STATUS",-11} {"STARTED",-28} MESSAGE");
            foreach (var r in journal.Runs())
            {
                ctx.Out.WriteLine($"{r.RunId,-28} {r.Kind,-8} {r.Status,-11} {r.CreatedAt,-28} {r.Message}");
            }

            return ExitCodes.Success;
        });
        return cmd;
    }
}
