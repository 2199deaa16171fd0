using KubeHa.Agent.Configuration;
using KubeHa.Agent.Facts;
using KubeHa.Agent.Hosting;

namespace KubeHa.Agent;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--version"))
        {
            Console.WriteLine($"kubeha-agent {NodeFactsProvider.AgentVersion} ({NodeFactsProvider.ContractVersion})");
            return 0;
        }

        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine("usage: kubeha-agent [--config PATH] [--version]");
            Console.WriteLine($"  --config PATH   agent configuration (default {AgentOptions.DefaultPath}, or $KUBEHA_AGENT_CONFIG)");
            return 0;
        }

        var configPath = Environment.GetEnvironmentVariable("KUBEHA_AGENT_CONFIG") ?? AgentOptions.DefaultPath;
        var i = Array.IndexOf(args, "--config");
        if (i >= 0)
        {
            if (i + 1 >= args.Length)
            {
                await Console.Error.WriteLineAsync("kubeha-agent: --config needs a path").ConfigureAwait(false);
                return 2;
            }

            configPath = args[i + 1];
        }

        try
        {
            var options = AgentConfigLoader.Load(configPath);
            await using var app = AgentHost.Build(options, []);
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors)
            {
                await Console.Error.WriteLineAsync($"kubeha-agent: {error}").ConfigureAwait(false);
            }

            return 2;
        }
        catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"kubeha-agent: cannot listen: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
