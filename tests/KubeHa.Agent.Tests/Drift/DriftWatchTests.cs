using System.Diagnostics;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>Real files, real inotify, the real clock: an edit shows up within seconds and a revert clears it.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftWatchTests(ITestOutputHelper output) : IDisposable
{
    private const string Endpoint = "https://api.k8s.local:8443";
    private readonly DriftHarness _node = new(TimeProvider.System, collector: "https://127.0.0.1:9", debounce: TimeSpan.FromMilliseconds(100));

    public void Dispose() => _node.Dispose();

    private async Task<(DriftReport Report, TimeSpan Latency)> WaitForAsync(Func<DriftReport, bool> condition, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            var report = _node.State.Current();
            if (condition(report))
            {
                return (report, watch.Elapsed);
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"drift condition not met within {limit}; current report: {_node.State.Current()}");
    }

    private async Task<string> AppliedKubeletAsync()
    {
        var kubelet = _node.Kubeconfig("kubelet.conf", "https://10.0.0.11:6443");
        var result = await _node.ApplyAsync(DriftHarness.PointAt(Endpoint, kubelet));
        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        return kubelet;
    }

    [Fact]
    public async Task HandEdit_TrackedKubeconfig_ReportedWithinSecondsAndClearedByRevert()
    {
        var kubelet = await AppliedKubeletAsync();
        var applied = File.ReadAllText(kubelet);
        using var monitor = _node.NewMonitor();
        await monitor.StartAsync(CancellationToken.None);
        await WaitForAsync(r => r.Sequence >= 1, TimeSpan.FromSeconds(10));
        Assert.Empty(_node.State.Current().Items);

        File.WriteAllText(kubelet, applied.Replace(Endpoint, "https://10.0.0.11:6443", StringComparison.Ordinal));
        var (report, latency) = await WaitForAsync(r => r.Items.Count >= 2, TimeSpan.FromSeconds(5));
        output.WriteLine($"edit detected in {latency.TotalMilliseconds:0} ms");

        var content = Assert.Single(report.Items, i => i.Kind == DriftKind.FileContent);
        Assert.Equal(kubelet, content.Subject);
        Assert.True(content.Correctable);
        Assert.StartsWith("applied:run-1/", content.Source, StringComparison.Ordinal);
        Assert.Contains($"-    server: {Endpoint}", content.UnifiedDiff, StringComparison.Ordinal);
        Assert.Contains("+    server: https://10.0.0.11:6443", content.UnifiedDiff, StringComparison.Ordinal);
        Assert.DoesNotContain("U0VDUkVUIEtFWQ==", content.UnifiedDiff, StringComparison.Ordinal);
        var endpoint = Assert.Single(report.Items, i => i.Kind == DriftKind.KubeconfigEndpoint);
        Assert.Equal((Endpoint, "https://10.0.0.11:6443"), (endpoint.Expected, endpoint.Actual));

        File.WriteAllText(kubelet, applied);
        await WaitForAsync(r => r.Items.Count == 0, TimeSpan.FromSeconds(5));

        // Every report (clean, drifted, clean again) waits in the outbox for the collector, in order.
        // (The outbox is written right after the report is published: give it a moment.)
        for (var i = 0; i < 100 && _node.Outbox.Pending().Count < (int)_node.State.Current().Sequence; i++)
        {
            await Task.Delay(20);
        }

        var sequences = _node.Outbox.Pending().Select(p => p.Sequence).ToList();
        Assert.True(sequences.Count >= 3, string.Join(",", sequences));
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (ulong)i), sequences);
        Assert.Equal(sequences[^1], _node.State.Current().Sequence);
        await monitor.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RestoreDesired_CheckThenApply_PutsTheRecordedContentBackAndTheItemCloses()
    {
        var kubelet = await AppliedKubeletAsync();
        var applied = File.ReadAllText(kubelet);
        var edited = applied.Replace(Endpoint, "https://10.0.0.11:6443", StringComparison.Ordinal) + "# hand edit\n";
        File.WriteAllText(kubelet, edited);
        File.SetUnixFileMode(kubelet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Contains(await _node.Checker.CheckAsync(CancellationToken.None), i => i.Kind == DriftKind.FileContent);
        var spec = new StepSpec { RestoreDesired = new RestoreDesiredAction { Subjects = { kubelet } } };

        var check = await _node.RunAsync(new ExecuteStepRequest { RunId = "fix-1", StepId = "c1", Mode = StepMode.Check, Step = spec });
        Assert.Equal(StepOutcome.Succeeded, check.Outcome);
        Assert.Contains("-# hand edit", Assert.Single(check.Changes).UnifiedDiff, StringComparison.Ordinal);
        Assert.Equal(edited, File.ReadAllText(kubelet));

        var apply = await _node.RunAsync(new ExecuteStepRequest { RunId = "fix-1", StepId = "a1", Mode = StepMode.Apply, Step = spec });
        Assert.Equal(StepOutcome.Succeeded, apply.Outcome);
        Assert.Equal(applied, File.ReadAllText(kubelet));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kubelet));
        Assert.Empty(await _node.Checker.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RestoreDesired_UnknownSubject_Refused()
    {
        var spec = new StepSpec { RestoreDesired = new RestoreDesiredAction { Subjects = { _node.Dir.Combine("nothing.conf") } } };

        var result = await _node.RunAsync(new ExecuteStepRequest { RunId = "fix-1", StepId = "a1", Mode = StepMode.Apply, Step = spec });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("no recorded desired state on node-1", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_OfTheRecordingStep_DropsItsDesiredState()
    {
        var kubelet = await AppliedKubeletAsync();
        Assert.Single(_node.Store.Snapshot().Files);

        var rollback = await _node.RunAsync(new ExecuteStepRequest { RunId = "run-1", StepId = "rb", Mode = StepMode.Rollback, RollbackOfStepId = "s1" });

        Assert.Equal(StepOutcome.Succeeded, rollback.Outcome);
        Assert.Contains("https://10.0.0.11:6443", File.ReadAllText(kubelet), StringComparison.Ordinal);
        var desired = _node.Store.Snapshot();
        Assert.Empty(desired.Files);
        Assert.Empty(desired.Kubeconfigs);
        Assert.Equal(string.Empty, desired.Endpoint);
        Assert.Empty(await _node.Checker.CheckAsync(CancellationToken.None));
    }
}
