using System.Diagnostics;
using System.Globalization;
using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Bench;

/// <summary>
/// Benchmark 3: submit to terminal result of a no-op step on one real agent process, over one
/// reused mutual-TLS channel (the coordinator's AgentConnection and StepSubmitter). A no-op is
/// read-only, so the agent records it without waiting for the disk; the same latency is then
/// measured for a step that changes a file (a kubeconfig endpoint switch, back and forth), which
/// waits for its backup, the file, two step-log fdatasyncs and the desired state.
/// </summary>
internal static class AckBench
{
    private const int DurableSteps = 1000;

    public static async Task RunAsync(RealAgent agent, Fleet fleet, Report report, int steps, int concurrency)
    {
        var (client, ca) = fleet.Pki.LoadCoordinatorIdentity();
        var options = new AgentConnectionOptions { MaxConcurrentCallsPerAgent = concurrency, Retries = 0 };
        await using var connection = new AgentConnection(new AgentEndpoint(agent.Node, agent.Address), client, ca, options, TimeProvider.System);
        var submitter = new StepSubmitter(TimeProvider.System);

        async Task Step(string runId, int i)
        {
            var request = new ExecuteStepRequest
            {
                RunId = runId,
                StepId = "noop-" + i.ToString(CultureInfo.InvariantCulture),
                Mode = Environment.GetEnvironmentVariable("XMODE") == "check" ? StepMode.Check : StepMode.Apply,
                Step = new StepSpec { Noop = new NoopAction { ProgressEvents = 0 } },
            };
            var result = await submitter.RunAsync(connection, request, NullStepObserver.Instance, CancellationToken.None).ConfigureAwait(false);
            if (result.Outcome != StepOutcome.Succeeded)
            {
                throw new InvalidOperationException($"noop step {i}: {result.Outcome} {result.Reason}");
            }
        }

        for (var i = 0; i < 500; i++)
        {
            await Step("warmup", i).ConfigureAwait(false);
        }

        var latencies = new List<double>(steps);
        for (var i = 0; i < steps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await Step("latency", i).ConfigureAwait(false);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        report.Add("ack", "p50_ms", Percentiles.Of(latencies, 50), "ms");
        report.Add("ack", "p99_ms", Percentiles.Of(latencies, 99), "ms");
        report.Add("ack", "max_ms", latencies.Max(), "ms");

        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < steps)
            {
                await Step("throughput", i).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        watch.Stop();
        report.Add("ack", $"throughput_{concurrency}_concurrent_steps_per_s", steps / watch.Elapsed.TotalSeconds, "steps/s");

        var kubelet = Path.Combine(agent.Root, "kubernetes", "kubelet.conf");
        await File.WriteAllTextAsync(kubelet, Fleet.KubeconfigText(Fleet.OldServer)).ConfigureAwait(false);
        var durable = new List<double>(DurableSteps);
        for (var i = 0; i < DurableSteps; i++)
        {
            var action = new KubeconfigEndpointAction { Server = i % 2 == 0 ? Fleet.NewServer : Fleet.OldServer };
            action.Files.Add(new KubeconfigFile { Path = kubelet, Required = true });
            var request = new ExecuteStepRequest
            {
                RunId = "durable",
                StepId = "switch-" + i.ToString(CultureInfo.InvariantCulture),
                Mode = StepMode.Apply,
                Step = new StepSpec { KubeconfigEndpoint = action },
            };
            var start = Stopwatch.GetTimestamp();
            var result = await submitter.RunAsync(connection, request, NullStepObserver.Instance, CancellationToken.None).ConfigureAwait(false);
            durable.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (result.Outcome != StepOutcome.Succeeded || !result.Changed)
            {
                throw new InvalidOperationException($"endpoint switch {i}: {result.Outcome} changed={result.Changed} {result.Reason}");
            }
        }

        report.Add("ack", "file_step_p50_ms", Percentiles.Of(durable, 50), "ms");
        report.Add("ack", "file_step_p99_ms", Percentiles.Of(durable, 99), "ms");
    }
}
