using System.Diagnostics;
using System.Globalization;
using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Bench;

/// <summary>
/// Benchmark 3: submit to terminal result of a no-op step on one real agent process, over one
/// reused mutual-TLS channel (the coordinator's AgentConnection and StepSubmitter).
/// </summary>
internal static class AckBench
{
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
    }
}
