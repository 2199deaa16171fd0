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
/// node; a wave's steps are all submitted at once). Prints "elapsed_ms peak_rss_mb".
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
        var phase = new Phase { Name = "endpoint", Description = "point kubelet.conf at the HA endpoint" };
        for (var i = 0; i < count; i++)
        {
            var action = new KubeconfigEndpointAction { Server = Fleet.NewServer };
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

        var (client, ca) = fleet.Pki.LoadCoordinatorIdentity();
        var endpoints = Enumerable.Range(0, count).Select(i => new AgentEndpoint(Fleet.Node(i), fleet.Address(i)));
        using var journal = new RunJournal(Path.Combine(dir, "coordinator", runId), TimeProvider.System);
        await using var pool = new AgentPool(endpoints, client, ca, Options, TimeProvider.System);
        var executor = new PlanExecutor(journal, pool, new OfflineClusterStepRunner(), new LineProgress(TextWriter.Null), TimeProvider.System);

        var watch = Stopwatch.StartNew();
        var result = await executor.ApplyAsync(plan, CancellationToken.None).ConfigureAwait(false);
        watch.Stop();
        if (!result.Succeeded)
        {
            await Console.Error.WriteLineAsync($"fan-out {count}: {result.Message}").ConfigureAwait(false);
            return 1;
        }

        var peak = ProcStats.StatusMb(Environment.ProcessId, "VmHWM");
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{watch.Elapsed.TotalMilliseconds:F1} {peak:F1}")).ConfigureAwait(false);
        return 0;
    }
}
