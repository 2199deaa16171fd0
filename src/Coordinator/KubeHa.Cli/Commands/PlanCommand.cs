using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using KubeHa.Coordinator.Cluster;
using KubeHa.Coordinator.Inventory;
using KubeHa.Coordinator.Pki;
using KubeHa.Coordinator.Planning;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Cli.Commands;

/// <summary>`kubeha plan`: the conversion plan, dry-run on every agent, with per-file diffs.</summary>
internal static class PlanCommand
{
    public static Command Create(Func<CliContext> context)
    {
        var file = InventoryArgs.File();
        var output = new Option<string>("--output", "-o") { Description = "text or json (json is what `kubeha apply --plan` takes)", DefaultValueFactory = _ => "text" }
            .AcceptOnlyFromAmong("text", "json");
        var offline = new Option<bool>("--offline") { Description = "Do not contact the agents: the plan without dry-run results" };
        var cmd = new Command("plan", "Print the single-master-to-HA plan: phases, steps per node, and each file's diff from the agents' dry run") { file, output, offline };
        cmd.SetAction(async (parse, ct) =>
        {
            var ctx = context();
            var inventory = InventoryArgs.Load(parse.GetValue(file)!, ctx, "plan");
            if (inventory is null)
            {
                return ExitCodes.BadInput;
            }

            var plan = Build(inventory, ctx);
            IReadOnlyList<string> problems = [];
            if (!parse.GetValue(offline))
            {
                try
                {
                    await using var pool = ctx.OpenPool(inventory);
                    using var cluster = ClusterRunner(inventory, ctx);
                    problems = await new PlanChecker(pool, ctx.Time, cluster).CheckAsync(plan, ct).ConfigureAwait(false);
                }
                catch (PkiException e)
                {
                    ctx.Err.WriteLine($"kubeha plan: {e.Message}");
                    return ExitCodes.BadInput;
                }
            }

            ctx.Out.Write(parse.GetValue(output) == "json" ? new JsonFormatter(JsonFormatter.Settings.Default.WithIndentation()).Format(plan) + "\n" : PlanText.Render(plan, withSpecs: false));
            ReportProblems(ctx, "plan", problems);
            return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return cmd;
    }

    /// <summary>A new plan for <paramref name="inventory"/> with a fresh run id.</summary>
    public static Plan Build(ClusterInventory inventory, CliContext ctx)
    {
        var now = ctx.Time.GetUtcNow();
        var runId = "run-" + now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(inventory.Path)));
        return ConversionPlanner.Build(inventory, runId, now, sha);
    }

    /// <summary>The Kubernetes API side, from the inventory's kubeconfig (null when it names none).</summary>
    public static KubernetesClusterStepRunner? ClusterRunner(ClusterInventory inventory, CliContext ctx) =>
        inventory.Kubeconfig is { Length: > 0 } kubeconfig ? KubernetesClusterStepRunner.FromKubeconfig(kubeconfig, ctx.StateDir, ctx.Time) : null;

    public static void ReportProblems(CliContext ctx, string command, IReadOnlyList<string> problems)
    {
        foreach (var p in problems)
        {
            ctx.Err.WriteLine($"kubeha {command}: dry run: {p}");
        }

        if (problems.Count > 0)
        {
            ctx.Err.WriteLine($"kubeha {command}: {problems.Count} step(s) cannot run as planned; fix them before `kubeha apply`");
        }
    }
}
