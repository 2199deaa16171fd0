using System.Diagnostics;
using System.Globalization;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Drift;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Bench;

/// <summary>
/// Benchmark 5: a real `kubeha serve` and a real agent pushing to it. The agent switches its
/// kubelet.conf to the endpoint by a step (recorded as desired); then each edit alternately
/// breaks and restores the server line, timed from the write to the coordinator's store
/// showing the item open (or closed again).
/// </summary>
internal static class DriftBench
{
    public static async Task RunAsync(Fleet fleet, string dir, int collectorPort, int agentPort, int healthPort, Report report, int edits)
    {
        // kubeha serve finds the KubeHa CA in its state dir: it is the fleet's coordinator dir.
        var serveState = Path.Combine(fleet.Dir, "coordinator");
        using var serve = new Child(SelfExe.Dotnet, [SelfExe.CliDll, "serve", "--state-dir", serveState, "--listen", $"127.0.0.1:{collectorPort.ToString(CultureInfo.InvariantCulture)}"])
        {
            Watch = l => l.StartsWith("kubeha serve: collecting", StringComparison.Ordinal),
        };
        await serve.Matched.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);

        using var agent = new RealAgent(fleet.Pki, Path.Combine(dir, "agent"), "drift-node", agentPort, healthPort,
            $"collector: 127.0.0.1:{collectorPort.ToString(CultureInfo.InvariantCulture)}\ndrift_retry_max_s: 2\n");
        var kubelet = Path.Combine(agent.Root, "kubernetes", "kubelet.conf");
        File.WriteAllText(kubelet, Fleet.KubeconfigText(Fleet.OldServer));
        await agent.StartAsync().ConfigureAwait(false);

        var (client, ca) = fleet.Pki.LoadCoordinatorIdentity();
        await using (var connection = new AgentConnection(new AgentEndpoint(agent.Node, agent.Address), client, ca, new AgentConnectionOptions(), TimeProvider.System))
        {
            var action = new KubeconfigEndpointAction { Server = Fleet.NewServer };
            action.Files.Add(new KubeconfigFile { Path = kubelet, Required = true });
            var result = await new StepSubmitter(TimeProvider.System).RunAsync(connection,
                new ExecuteStepRequest { RunId = "convert", StepId = "kubeconfig", Mode = StepMode.Apply, Step = new StepSpec { KubeconfigEndpoint = action } },
                NullStepObserver.Instance, CancellationToken.None).ConfigureAwait(false);
            if (result.Outcome != StepOutcome.Succeeded)
            {
                throw new InvalidOperationException($"drift bench: switching kubelet.conf failed: {result.Reason}");
            }
        }

        using var store = new DriftStore(serveState, TimeProvider.System);
        bool Open() => store.Items().Any(i => i.Reporter == agent.Node && i.Item.Subject.Contains("kubelet.conf", StringComparison.Ordinal));

        await WaitAsync(() => !Open(), "clean start").ConfigureAwait(false);
        var latencies = new List<double>();
        for (var e = 0; e < edits; e++)
        {
            var broken = e % 2 == 0;
            var server = broken ? string.Create(CultureInfo.InvariantCulture, $"https://10.0.0.{11 + (e % 3)}:6443") : Fleet.NewServer;
            var start = Stopwatch.GetTimestamp();
            File.WriteAllText(kubelet, Fleet.KubeconfigText(server));
            await WaitAsync(() => Open() == broken, $"edit {e}").ConfigureAwait(false);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        report.Add("drift", "edit_to_stored_p50_ms", Percentiles.Of(latencies, 50), "ms");
        report.Add("drift", "edit_to_stored_p99_ms", Percentiles.Of(latencies, 99), "ms");
        report.Add("drift", "edits", latencies.Count, "count");
    }

    private static async Task WaitAsync(Func<bool> done, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"drift bench: {what}: the coordinator's store did not change within 30 s");
            }

            await Task.Delay(5).ConfigureAwait(false);
        }
    }
}
