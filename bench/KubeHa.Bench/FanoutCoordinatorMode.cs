using System.Diagnostics;
using System.Globalization;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Execution;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Bench;

/// <summary>
/// `KubeHa.Bench fanout-coordinator DIR COUNT BASE_PORT RUN_ID`: the real PlanExecutor and
/// AgentPool apply a plan of one phase holding one wave of N kubeconfig_endpoint steps (one per
/// node; a wave's steps are all submitted at once), twice over one agent pool: cold, then warm.
/// Prints "cold_ms warm_ms peak_rss_mb".
/// </summary>
internal static class FanoutCoordinatorMode
{
    /// <summary>
    /// Defaults but for the connect and call timeouts (5 s and 15 s): N simultaneous mutual-TLS
    /// handshakes on a loaded 2-core machine take longer than 5 s at N=100.
    /// </summary>
    public static readonly AgentConnectionOptions Options = new() { ConnectTimeout = TimeSpan.FromSeconds(120), CallTimeout = TimeSpan.FromSeconds(120) };

    public static async Task<int> RunAsync(string dir, int count, int basePort, string runId)
    {
        var fleet = new Fleet(dir, count, basePort);
        var (client, ca) = fleet.Pki.LoadCoordinatorIdentity();
        var endpoints = Enumerable.Range(0, count).Select(i => new AgentEndpoint(Fleet.Node(i), fleet.Address(i)));
        await using var pool = new AgentPool(endpoints, client, ca, Options, TimeProvider.System);

        // Cold: a fresh process, no connection yet (N mutual-TLS handshakes, cold code on both sides).
        if (await ApplyAsync(dir, fleet, pool, runId, Fleet.NewServer).ConfigureAwait(false) is not { } cold)
        {
            return 1;
        }

        // Warm: the next apply over the same pool, as a later phase of one `kubeha apply` runs after
        // preflight has connected to every agent. It switches every node on to a second endpoint.
        if (await ApplyAsync(dir, fleet, pool, runId + "-warm", Fleet.WarmServer).ConfigureAwait(false) is not { } warm)
        {
            return 1;
        }

        var peak = ProcStats.StatusMb(Environment.ProcessId, "VmHWM");
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{cold:F1} {warm:F1} {peak:F1}")).ConfigureAwait(false);
        return 0;
    }

    /// <returns>Milliseconds from the call to ApplyAsync to its return, or null when the run failed.</returns>
    private static async Task<double?> ApplyAsync(string dir, Fleet fleet, AgentPool pool, string runId, string server)
    {
        var phase = new Phase { Name = "endpoint", Description = "point kubelet.conf at the HA endpoint" };
        for (var i = 0; i < fleet.Count; i++)
        {
            var action = new KubeconfigEndpointAction { Server = server };
            action.Files.Add(new KubeconfigFile { Path = fleet.Kubelet(i), Required = true });
            phase.Steps.Add(new PlannedStep
            {
                Id = "kubeconfig-" + Fleet.Node(i),
                Node = Fleet.Node(i),
                Description = "kubelet.conf endpoint",
                Wave = "all-nodes",
                Agent = new StepSpec { KubeconfigEndpoint = action },
            });
        }

        var plan = new Plan { RunId = runId, Cluster = "bench" };
        plan.Phases.Add(phase);
        using var journal = new RunJournal(Path.Combine(dir, "coordinator", runId), TimeProvider.System);
        var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(TextWriter.Null), TimeProvider.System);

        var watch = Stopwatch.StartNew();
        var result = await executor.ApplyAsync(plan, CancellationToken.None).ConfigureAwait(false);
        watch.Stop();
        if (!result.Succeeded)
        {
            await Console.Error.WriteLineAsync($"fan-out {fleet.Count} ({runId}): {result.Message}").ConfigureAwait(false);
            return null;
        }

        return watch.Elapsed.TotalMilliseconds;
    }
}
