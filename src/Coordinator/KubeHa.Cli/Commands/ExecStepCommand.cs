using System.CommandLine;
using System.Globalization;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Cli.Commands;

/// <summary>`kubeha exec-step --node N -f INVENTORY noop`: one built-in step, end to end.</summary>
internal static class ExecStepCommand
{
    public static Command Create(Func<CliContext> context)
    {
        var file = InventoryArgs.File();
        var node = new Option<string>("--node") { Description = "Node to run the step on", Required = true };
        var runId = new Option<string>("--run-id") { Description = "Run id (default: a new one)" };
        var stepId = new Option<string>("--step-id") { Description = "Step id (default: noop-1); resubmitting an id replays its result" };
        var check = new Option<bool>("--check") { Description = "Dry run: report what would change, change nothing" };
        var cmd = new Command("exec-step", "Run one built-in step on one agent and show its acknowledgement, progress and result") { file, node, runId, stepId, check };

        var events = new Option<int>("--progress") { Description = "Progress events to emit", DefaultValueFactory = _ => 3 };
        var delay = new Option<int>("--delay-ms") { Description = "Delay between progress events", DefaultValueFactory = _ => 100 };
        var noop = new Command("noop", "A step that changes nothing and reports progress") { events, delay };
        noop.SetAction(async (parse, ct) =>
        {
            var spec = new StepSpec { Noop = new NoopAction { ProgressEvents = parse.GetValue(events), DelayMs = parse.GetValue(delay) } };
            return await RunAsync(context(), parse.GetValue(file)!, parse.GetValue(node)!, parse.GetValue(runId), parse.GetValue(stepId) ?? "noop-1", parse.GetValue(check), spec, ct).ConfigureAwait(false);
        });
        cmd.Subcommands.Add(noop);
        return cmd;
    }

    private static async Task<int> RunAsync(CliContext ctx, string inventoryPath, string node, string? runId, string stepId, bool check, StepSpec spec, CancellationToken ct)
    {
        var inventory = InventoryArgs.Load(inventoryPath, ctx, "exec-step");
        if (inventory is null)
        {
            return ExitCodes.BadInput;
        }

        if (inventory.Find(node) is null)
        {
            ctx.Err.WriteLine($"kubeha exec-step: unknown node '{node}': not in {inventoryPath} (nodes: {string.Join(", ", inventory.AllNodes.Select(n => n.Name))})");
            return ExitCodes.BadInput;
        }

        AgentPool pool;
        try
        {
            pool = ctx.OpenPool(inventory);
        }
        catch (PkiException e)
        {
            ctx.Err.WriteLine($"kubeha exec-step: {e.Message}");
            return ExitCodes.BadInput;
        }

        await using (pool.ConfigureAwait(false))
        {
            var request = new ExecuteStepRequest
            {
                RunId = runId ?? "run-" + ctx.Time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture),
                StepId = stepId,
                Mode = check ? StepMode.Check : StepMode.Apply,
                Step = spec,
            };
            try
            {
                var result = await new StepSubmitter(ctx.Time).RunAsync(pool[node], request, new ConsoleObserver(ctx.Out), ct).ConfigureAwait(false);
                ctx.Out.WriteLine($"result: {result.Outcome.ToString().ToUpperInvariant()}{(result.Replayed ? " (replayed: already executed, not run again)" : string.Empty)} changed={result.Changed.ToString().ToLowerInvariant()}" +
                                  (string.IsNullOrEmpty(result.Reason) ? string.Empty : $" reason: {result.Reason}"));
                return result.Outcome == StepOutcome.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
            }
            catch (AgentUnavailableException e)
            {
                ctx.Err.WriteLine($"kubeha exec-step: {e.Message}");
                return ExitCodes.Failure;
            }
        }
    }

    private sealed class ConsoleObserver(TextWriter output) : IStepObserver
    {
        public ValueTask SubmittedAsync(AgentEndpoint agent, ExecuteStepRequest request)
        {
            output.WriteLine($"submitted {request.RunId}/{request.StepId} to {agent.Node} ({agent.Address})");
            return ValueTask.CompletedTask;
        }

        public ValueTask AcknowledgedAsync(AgentEndpoint agent, StepAccepted accepted)
        {
            output.WriteLine($"acknowledged by {accepted.Node}");
            return ValueTask.CompletedTask;
        }

        public ValueTask ProgressAsync(AgentEndpoint agent, ExecuteStepRequest request, StepProgress progress)
        {
            output.WriteLine($"progress {(progress.Percent >= 0 ? $"{progress.Percent,3}% " : string.Empty)}{progress.Message}");
            return ValueTask.CompletedTask;
        }

        public ValueTask FinishedAsync(AgentEndpoint agent, StepResult result) => ValueTask.CompletedTask;
    }
}
