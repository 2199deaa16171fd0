using KubeHa.Agent.Hosting;
using Microsoft.AspNetCore.Builder;

namespace KubeHa.Bench;

/// <summary>
/// `KubeHa.Bench agent-host DIR FROM TO BASE_PORT`: the real agent gRPC servers of nodes FROM..TO-1 (the agent's own
/// AgentHost composition) in this one process, each with its own root, state and certificate.
/// Prints "ready" once all listen; stops when stdin closes.
/// </summary>
internal static class AgentHostMode
{
    public static async Task<int> RunAsync(string dir, int from, int to, int basePort)
    {
        var fleet = new Fleet(dir, to, basePort);
        var apps = new List<WebApplication>(to - from);
        try
        {
            for (var i = from; i < to; i++)
            {
                var app = AgentHost.Build(fleet.Options(i), []);
                apps.Add(app);
                await app.StartAsync().ConfigureAwait(false);
            }

            await Console.Out.WriteLineAsync("ready").ConfigureAwait(false);
            await Console.Out.FlushAsync().ConfigureAwait(false);
            await Console.In.ReadToEndAsync().ConfigureAwait(false);
            return 0;
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.StopAsync().ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
