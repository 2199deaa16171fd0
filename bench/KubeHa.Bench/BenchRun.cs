using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KubeHa.Bench;

/// <summary>Runs the chosen benchmarks in order and prints JSON, then the Markdown table.</summary>
internal static class BenchRun
{
    public static async Task<int> RunAsync(BenchSettings s)
    {
        if (Directory.Exists(s.WorkDir))
        {
            Directory.Delete(s.WorkDir, recursive: true);
        }

        Directory.CreateDirectory(s.WorkDir);
        var report = new Report();
        var settings = new Dictionary<string, string>
        {
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}",
            ["fanout"] = $"one plan, one phase, one wave of N kubeconfig_endpoint steps (all submitted at once; AgentConnectionOptions defaults ({FanoutCoordinatorMode.Options.MaxConcurrentCallsPerAgent} calls per agent, {FanoutCoordinatorMode.Options.Retries} retries) but connect and call timeouts {FanoutCoordinatorMode.Options.ConnectTimeout.TotalSeconds} s); agents {FanoutBench.AgentsPerProcess} per process; coordinator in its own process; applied twice over one agent pool: cold (new process, no connection) then warm (connections up); JIT with TieredPGO off, as the agent and CLI ship",
            ["ansible"] = "ansible-playbook, connection local per host, one replace task, gather_facts false, forks 5 and 50",
            ["ack"] = $"{s.AckSteps} sequential noop steps after 500 warm-up, then {s.AckSteps} with {s.Concurrency} in flight, one reused mTLS channel; then 1000 sequential kubeconfig endpoint switches on one file (file_step_*)",
            ["agent"] = $"framework-dependent agent run by dotnet, JIT, TieredPGO off, workstation non-concurrent GC (or KUBEHA_BENCH_AGENT={Environment.GetEnvironmentVariable("KUBEHA_BENCH_AGENT")}); {s.Starts} cold starts; idle {s.IdleSeconds} s with drift_check_interval_s {IdleBench.CheckIntervalSeconds}",
            ["drift"] = $"{s.DriftEdits} edits of kubelet.conf alternately breaking/restoring the server; agent drift_debounce_ms default 300",
        };

        try
        {
            var fanout = new FanoutBench(s.WorkDir, report, s.AnsibleMaxNodes);
            if (s.Only.Contains("fanout"))
            {
                foreach (var n in s.Nodes)
                {
                    try
                    {
                        await fanout.RunKubeHaAsync(n).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                    {
                        report.Note($"FAILED: KubeHa fan-out N={n}: {e.Message[..Math.Min(e.Message.Length, 600)]}");
                    }
                }
            }

            var fleet = new Fleet(Path.Combine(s.WorkDir, "single"), 0, 0);
            fleet.Create();
            if (s.Only.Contains("agent") || s.Only.Contains("ack"))
            {
                using var agent = await IdleBench.StartAsync(fleet, Path.Combine(s.WorkDir, "single", "agents"), Free(), Free(), report, s.Starts).ConfigureAwait(false);
                if (s.Only.Contains("agent"))
                {
                    await IdleBench.MeasureIdleAsync(agent, report, TimeSpan.FromSeconds(s.IdleSeconds)).ConfigureAwait(false);
                }

                if (s.Only.Contains("ack"))
                {
                    await AckBench.RunAsync(agent, fleet, report, s.AckSteps, s.Concurrency).ConfigureAwait(false);
                    report.Add("agent", "rss_after_ack_bench_mb", ProcStats.StatusMb(agent.Pid, "VmRSS"), "MB");
                }
            }

            if (s.Only.Contains("drift"))
            {
                await DriftBench.RunAsync(fleet, Path.Combine(s.WorkDir, "single", "drift"), Free(), Free(), Free(), report, s.DriftEdits).ConfigureAwait(false);
            }

            // Ansible last: on a loaded machine it is by far the longest part.
            if (s.Only.Contains("fanout"))
            {
                foreach (var n in s.Nodes)
                {
                    await fanout.RunAnsibleAsync(n).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            report.Note("FAILED: " + e.Message);
            Print(s, report, settings);
            return 1;
        }

        Print(s, report, settings);
        return 0;
    }

    private static void Print(BenchSettings s, Report report, Dictionary<string, string> settings)
    {
        var json = report.Json(settings);
        var md = report.Markdown();
        Console.WriteLine(json);
        Console.WriteLine();
        Console.WriteLine(md);
        Write(s.JsonOut, json + "\n");
        Write(s.MarkdownOut, md);
    }

    private static void Write(string? path, string text)
    {
        if (path is null)
        {
            return;
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, text);
    }

    private static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
