using System.CommandLine;

namespace KubeHa.Cli.Commands;

internal static class ValidateCommand
{
    public static Command Create(Func<CliContext> context)
    {
        var file = InventoryArgs.File();
        var cmd = new Command("validate", "Check an inventory offline; lists every problem with file:line:column") { file };
        cmd.SetAction(parse =>
        {
            var ctx = context();
            var path = parse.GetValue(file)!;
            var inventory = InventoryArgs.Load(path, ctx, "validate");
            if (inventory is null)
            {
                return ExitCodes.BadInput;
            }

            ctx.Out.WriteLine($"{path}: valid ({inventory.Masters.Count()} master(s), {inventory.Workers.Count()} worker(s), " +
                              $"{inventory.AddMasters.Count} to add, endpoint {inventory.Endpoint}, mode {Coordinator.Inventory.LoadBalancerSettings.ModeName(inventory.LoadBalancer.Mode)})");
            return ExitCodes.Success;
        });
        return cmd;
    }
}
