using System.CommandLine;
using System.Globalization;
using System.Net;
using KubeHa.Coordinator.Drift;
using KubeHa.Coordinator.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KubeHa.Cli.Commands;

/// <summary>`kubeha serve`: the coordinator daemon (drift collector and cluster checks).</summary>
internal static class ServeCommand
{
    public const string DefaultListen = "0.0.0.0:7445";

    public static Command Create(Func<CliContext> context)
    {
        var file = new Option<string>("--file", "-f") { Description = "Inventory (cluster.yaml): its kubeconfig and endpoint drive the cluster checks" };
        var listen = new Option<string>("--listen") { Description = $"HOST:PORT for agents' drift reports, mutual TLS (default {DefaultListen})", DefaultValueFactory = _ => DefaultListen };
        var interval = new Option<int>("--cluster-interval") { Description = "Seconds between cluster checks (default 60)", DefaultValueFactory = _ => 60 };
        var cmd = new Command("serve", "Run the coordinator daemon: collect agents' drift reports over mutual TLS, check the cluster through the Kubernetes API") { file, listen, interval };
        cmd.SetAction(async (parse, ct) =>
        {
            var ctx = context();
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint) || endpoint.Port == 0)
            {
                ctx.Err.WriteLine($"kubeha serve: --listen '{parse.GetValue(listen)}' is not IP:PORT");
                return ExitCodes.BadInput;
            }

            if (parse.GetValue(interval) is < 1 or > 86_400)
            {
                ctx.Err.WriteLine("kubeha serve: --cluster-interval must be 1..86400 seconds");
                return ExitCodes.BadInput;
            }

            string? kubeconfig = null;
            var endpointUrl = string.Empty;
            if (parse.GetValue(file) is { } path)
            {
                var inventory = InventoryArgs.Load(path, ctx, "serve");
                if (inventory is null)
                {
                    return ExitCodes.BadInput;
                }

                kubeconfig = inventory.Kubeconfig;
                endpointUrl = inventory.Endpoint.Url;
                if (kubeconfig is null)
                {
                    ctx.Out.WriteLine($"kubeha serve: {path} names no kubeconfig; cluster checks are off");
                }
            }

            try
            {
                var app = DriftDaemon.Build(new DriftDaemonOptions
                {
                    StateDir = ctx.StateDir,
                    Listen = endpoint,
                    Kubeconfig = kubeconfig,
                    EndpointUrl = endpointUrl,
                    ClusterInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                }, ctx.Time);
                await using (app.ConfigureAwait(false))
                {
                    app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
                        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"kubeha serve: collecting drift reports on {endpoint} (mutual TLS); store {Path.Combine(ctx.StateDir, "journal.db")}; cluster checks {(kubeconfig is null ? "off" : $"every {parse.GetValue(interval)} s via {kubeconfig}")}")));
                    await app.RunAsync(ct).ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }
            catch (PkiException e)
            {
                ctx.Err.WriteLine($"kubeha serve: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Err.WriteLine($"kubeha serve: cannot listen on {endpoint}: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return cmd;
    }
}
