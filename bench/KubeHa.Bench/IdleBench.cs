namespace KubeHa.Bench;

/// <summary>
/// Benchmark 4: start-up time to ready (process start to the first healthy /healthz), then
/// RSS and CPU of the idle agent over a window, drift checks on (periodic, every 10 s).
/// </summary>
internal static class IdleBench
{
    public const int CheckIntervalSeconds = 10;

    public static async Task<RealAgent> StartAsync(Fleet fleet, string dir, int port, int healthPort, Report report, int starts)
    {
        var times = new List<double>();
        for (var i = 0; i < starts; i++)
        {
            using var probe = NewAgent(fleet, Path.Combine(dir, "start-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), port, healthPort);
            times.Add((await probe.StartAsync().ConfigureAwait(false)).TotalMilliseconds);
        }

        report.Add("agent", "start_to_ready_p50_ms", Percentiles.Of(times, 50), "ms");
        report.Add("agent", "start_to_ready_max_ms", times.Max(), "ms");
        var agent = NewAgent(fleet, Path.Combine(dir, "idle"), port, healthPort);
        await agent.StartAsync().ConfigureAwait(false);
        return agent;
    }

    public static async Task MeasureIdleAsync(RealAgent agent, Report report, TimeSpan window)
    {
        // Let start-up work settle, then sample once a second.
        await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var rss = new List<double>();
        var ticks0 = ProcStats.CpuTicks(agent.Pid);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < window)
        {
            rss.Add(ProcStats.StatusMb(agent.Pid, "VmRSS"));
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }

        var cpuSeconds = (ProcStats.CpuTicks(agent.Pid) - ticks0) / 100.0;
        report.Add("agent", "idle_rss_mean_mb", rss.Average(), "MB");
        report.Add("agent", "idle_rss_max_mb", rss.Max(), "MB");
        report.Add("agent", "idle_cpu_percent_of_one_core", 100.0 * cpuSeconds / watch.Elapsed.TotalSeconds, "%");
        report.Add("agent", "idle_cpu_seconds_in_window", cpuSeconds, "s");
    }

    private static RealAgent NewAgent(Fleet fleet, string dir, int port, int healthPort) =>
        new(fleet.Pki, dir, "bench-agent", port, healthPort, $"drift_check_interval_s: {CheckIntervalSeconds}\nendpoint: {Fleet.NewServer}\n");
}
