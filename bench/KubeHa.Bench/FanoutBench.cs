using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KubeHa.Bench;

/// <summary>
/// Benchmarks 1 and 2: the kubeconfig endpoint switch on N nodes by KubeHa (agents hosted
/// <see cref="AgentsPerProcess"/> per process, coordinator in its own process) and by Ansible.
/// </summary>
internal sealed class FanoutBench(string workDir, Report report, int ansibleMaxNodes)
{
    public const int AgentsPerProcess = 250;

    /// <summary>
    /// No appsettings reload watcher per hosted agent (one inotify instance each, 250 per
    /// process); each agent's drift watcher stays.
    /// </summary>
    private static readonly Dictionary<string, string> HostEnv = new() { ["DOTNET_hostBuilder__reloadConfigOnChange"] = "false" };

    public async Task RunKubeHaAsync(int count)
    {
        var dir = Path.Combine(workDir, string.Create(CultureInfo.InvariantCulture, $"fanout-{count}"));
        var fleet = new Fleet(dir, count, FindPortRange(count));
        fleet.Create();

        var hosts = new List<Child>();
        try
        {
            for (var from = 0; from < count; from += AgentsPerProcess)
            {
                var to = Math.Min(count, from + AgentsPerProcess);
                var host = new Child(SelfExe.Dotnet, SelfExe.Bench("agent-host", dir, Str(from), Str(to), Str(fleet.BasePort)), keepStdinOpen: true, env: HostEnv)
                {
                    Watch = l => l == "ready",
                };
                hosts.Add(host);
            }

            foreach (var host in hosts)
            {
                await host.Matched.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            }

            using var coordinator = new Child(SelfExe.Dotnet, SelfExe.Bench("fanout-coordinator", dir, Str(count), Str(fleet.BasePort), "bench-" + Str(count)));
            var exit = await coordinator.WaitAsync(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
            if (exit != 0)
            {
                throw new InvalidOperationException($"fan-out coordinator for {count} nodes failed:\n{coordinator.Output}");
            }

            var figures = coordinator.Output.Trim().Split('\n')[^1].Split(' ');
            Verify(fleet, Fleet.WarmServer, "KubeHa");
            var rss = hosts.Sum(h => ProcStats.StatusMb(h.Pid, "VmRSS"));
            report.Add("fanout", $"kubeha_n{count}_ms", double.Parse(figures[0], CultureInfo.InvariantCulture), "ms");
            report.Add("fanout", $"kubeha_n{count}_warm_ms", double.Parse(figures[1], CultureInfo.InvariantCulture), "ms");
            report.Add("fanout", $"kubeha_n{count}_coordinator_peak_rss_mb", double.Parse(figures[2], CultureInfo.InvariantCulture), "MB");
            report.Add("fanout", $"kubeha_n{count}_agent_hosts_rss_mb", rss, "MB");
        }
        finally
        {
            foreach (var host in hosts)
            {
                host.CloseStdin();
                try
                {
                    await host.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                host.Dispose();
            }
        }

    }

    /// <summary>The same edit on the same N nodes by Ansible, after KubeHa's run of that N.</summary>
    public async Task RunAnsibleAsync(int count)
    {
        var dir = Path.Combine(workDir, string.Create(CultureInfo.InvariantCulture, $"fanout-{count}"));
        var fleet = new Fleet(dir, count, 0);
        if (count > ansibleMaxNodes)
        {
            report.Note($"Ansible at N={count} not run (--ansible-max-nodes {ansibleMaxNodes}).");
            return;
        }

        var ansible = new AnsibleRun(dir, fleet);
        foreach (var forks in new[] { 5, 50 })
        {
            ansible.Reset();
            var ms = await ansible.RunAsync(forks).ConfigureAwait(false);
            Verify(fleet, Fleet.NewServer, $"Ansible forks={forks}");
            report.Add("fanout", $"ansible_n{count}_forks{forks}_ms", ms, "ms");
            // KubeHa/Ansible as a speed-up: how many times faster KubeHa finished.
            report.Add("fanout", $"speedup_kubeha_vs_ansible_n{count}_forks{forks}", ms / report.Get("fanout", $"kubeha_n{count}_ms"), "x");
        }
    }

    private static void Verify(Fleet fleet, string server, string who)
    {
        var wrong = Enumerable.Range(0, fleet.Count).Count(i => !File.ReadAllText(fleet.Kubelet(i)).Contains("server: " + server, StringComparison.Ordinal));
        if (wrong > 0)
        {
            throw new InvalidOperationException($"{who}: {wrong} of {fleet.Count} kubelet.conf files were not switched to {server}");
        }
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A base port with <paramref name="count"/> consecutive loopback ports free now.</summary>
    private static int FindPortRange(int count)
    {
        for (var start = 21000; start + count < 60000; start += count + 17)
        {
            if (Enumerable.Range(start, count).All(IsFree))
            {
                return start;
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free loopback ports");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
