using System.Diagnostics;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>
/// Scenario 6 around any conversion: the API probed every 200 ms through master-1's own address
/// and node readiness watched while <paramref name="run"/> goes on; the figures are printed, and
/// the test fails on any NotReady transition or an outage longer than one API server restart.
/// </summary>
internal static class WatchedApply
{
    public static async Task<T> RunAsync<T>(ConversionLab lab, string what, Func<Task<T>> run)
    {
        var ca = Path.Combine(LabCli.NodeDir("master-1"), "etc-kubernetes", "pki", "ca.crt");
        var watch = Stopwatch.StartNew();
        await using var watcher = new ApiWatcher($"https://{ConversionLab.NodeIp("master-1")}:6443", ca);
        var result = await run();
        await watcher.DisposeAsync();
        lab.Log($"{what}: {watch.Elapsed.TotalSeconds:0} s; API unanswered {watcher.Down.TotalSeconds:0.0} s " +
                $"(longest {watcher.LongestOutage.TotalSeconds:0.0} s, {watcher.Probes} probes); NotReady transitions: {watcher.NotReadyTransitions.Count} {string.Join(", ", watcher.NotReadyTransitions)}");
        Assert.Empty(watcher.NotReadyTransitions);
        // One kube-apiserver restart on master-1 (the certificate) is the budget.
        Assert.True(watcher.LongestOutage < TimeSpan.FromSeconds(60), $"API down {watcher.LongestOutage.TotalSeconds:0.0} s at a stretch");
        return result;
    }

    /// <summary>`kubeha apply` to the end, watched; its output goes to the test log.</summary>
    public static async Task ApplyAsync(ConversionLab lab, params string[] args)
    {
        var apply = await RunAsync(lab, "kubeha apply", () => KubehaCli.RunAsync(lab.StateDir, TimeSpan.FromMinutes(25), ["apply", .. args]));
        lab.Log("kubeha apply output:\n" + apply.Stdout + apply.Stderr);
        Assert.True(apply.ExitCode == 0, apply.Describe("kubeha apply"));
    }
}
