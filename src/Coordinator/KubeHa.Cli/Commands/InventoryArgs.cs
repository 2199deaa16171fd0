using System.CommandLine;
using KubeHa.Coordinator.Execution.Progress;
using KubeHa.Coordinator.Inventory;

namespace KubeHa.Cli.Commands;

internal static class InventoryArgs
{
    public static Option<string> File() => new("--file", "-f") { Description = "Inventory (cluster.yaml)", Required = true };

    public static Option<string> Output() => new Option<string>("--output", "-o") { Description = "table or json", DefaultValueFactory = _ => "table" }
        .AcceptOnlyFromAmong("table", "json");

    public static Option<string> Progress() => new Option<string>("--progress")
    {
        Description = $"Progress view: auto (the live view on a terminal, plain lines otherwise; ${ProgressModes.EnvironmentVariable}=tty|plain decides instead), tty (live view) or plain (lines)",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong([.. ProgressModes.Names]);

    /// <summary>Loads and validates; prints every problem and returns null when invalid.</summary>
    public static ClusterInventory? Load(string path, CliContext ctx, string command)
    {
        try
        {
            return InventoryLoader.Load(path);
        }
        catch (InventoryException e)
        {
            foreach (var error in e.Errors)
            {
                ctx.Err.WriteLine(error);
            }

            ctx.Err.WriteLine($"kubeha {command}: {e.Errors.Count} problem(s) in {path}");
            return null;
        }
    }
}
