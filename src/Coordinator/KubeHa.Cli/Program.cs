using System.CommandLine;
using System.Reflection;
using KubeHa.Cli.Commands;

namespace KubeHa.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var stateDir = new Option<string>("--state-dir")
        {
            Description = $"Coordinator state directory (default $KUBEHA_STATE_DIR or {CliContext.DefaultStateDir})",
            Recursive = true,
        };
        var root = new RootCommand("kubeha: convert a single-master kubeadm cluster to HA, safely and in place") { stateDir };
        ParseResult? current = null;
        CliContext Context() => new(
            current?.GetValue(stateDir) ?? Environment.GetEnvironmentVariable("KUBEHA_STATE_DIR") ?? CliContext.DefaultStateDir,
            stdout, stderr, TimeProvider.System);

        root.Subcommands.Add(PkiCommands.Create(Context));
        root.Subcommands.Add(ValidateCommand.Create(Context));
        root.Subcommands.Add(AgentsCommand.Create(Context));
        root.Subcommands.Add(ExecStepCommand.Create(Context));
        root.Subcommands.Add(PlanCommand.Create(Context));
        root.Subcommands.Add(ServeCommand.Create(Context));
        root.Subcommands.Add(DriftCommand.Create(Context));
        foreach (var command in RunCommands.Create(Context))
        {
            root.Subcommands.Add(command);
        }

        var version = new Command("version", "Print the version");
        version.SetAction(_ =>
        {
            stdout.WriteLine($"kubeha {typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}");
            return ExitCodes.Success;
        });
        root.Subcommands.Add(version);

        current = root.Parse(args);
        if (current.Errors.Count > 0)
        {
            foreach (var error in current.Errors)
            {
                await stderr.WriteLineAsync($"kubeha: {error.Message}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("run 'kubeha --help' for usage").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        return await current.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }).ConfigureAwait(false);
    }
}
