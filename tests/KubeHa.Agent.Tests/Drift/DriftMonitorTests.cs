using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>The monitor's timing on a fake clock: periodic checks, debounce, stable first-seen.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftMonitorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly DriftHarness _node;

    public DriftMonitorTests()
    {
        _node = new DriftHarness(_time, interval: TimeSpan.FromSeconds(60), debounce: TimeSpan.FromMilliseconds(500));
    }

    public void Dispose() => _node.Dispose();

    private string ProcSys(string value)
    {
        var path = Path.Combine(_node.Paths.ProcSys, "net", "ipv4", "ip_forward");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, value + "\n");
        return path;
    }

    private async Task WaitForChecksAsync(long count)
    {
        for (var i = 0; i < 200 && _node.State.Checks < count; i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(count, _node.State.Checks);
    }

    [Fact]
    public async Task Periodic_NoFileEvent_ChecksOnlyWhenTheIntervalElapses()
    {
        ProcSys("1");
        _node.Store.Update(s => s.Sysctls.Add(new DesiredSysctl { Key = "net.ipv4.ip_forward", Value = "1", Source = "applied:r/s" }));
        using var monitor = _node.NewMonitor();
        await monitor.StartAsync(CancellationToken.None);
        await WaitForChecksAsync(1);
        Assert.Empty(_node.State.Current().Items);

        ProcSys("0");
        _time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(300);
        Assert.Equal(1, _node.State.Checks);

        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitForChecksAsync(2);
        var item = Assert.Single(_node.State.Current().Items);
        Assert.Equal(DriftKind.Sysctl, item.Kind);
        Assert.Equal(("1", "0"), (item.Expected, item.Actual));
        Assert.Equal(_time.GetUtcNow(), item.FirstSeen.ToDateTimeOffset());
        var firstSeen = item.FirstSeen;
        var sequence = _node.State.Current().Sequence;

        _time.Advance(TimeSpan.FromSeconds(60));
        await WaitForChecksAsync(3);
        var again = _node.State.Current();
        Assert.Equal(firstSeen, Assert.Single(again.Items).FirstSeen);
        Assert.Equal(sequence, again.Sequence);
        Assert.Equal(_time.GetUtcNow(), again.CheckedAt.ToDateTimeOffset());
        var metrics = _node.Metrics.Render();
        Assert.Contains("kubeha_agent_drift_items{kind=\"sysctl\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"kubeha_agent_last_drift_check_timestamp_seconds {_time.GetUtcNow().ToUnixTimeSeconds()}", metrics, StringComparison.Ordinal);
        await monitor.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task FileEvent_WatchedFileEdited_CheckWaitsForTheDebounce()
    {
        var kubelet = _node.Kubeconfig("kubelet.conf", "https://10.0.0.11:6443");
        Assert.Equal(StepOutcome.Succeeded, (await _node.ApplyAsync(DriftHarness.PointAt("https://api.k8s.local:8443", kubelet))).Outcome);
        using var monitor = _node.NewMonitor();
        await monitor.StartAsync(CancellationToken.None);
        await WaitForChecksAsync(1);
        Assert.Empty(_node.State.Current().Items);

        File.WriteAllText(kubelet, DriftHarness.KubeconfigText("https://10.0.0.11:6443"));
        await Task.Delay(1000);
        Assert.Equal(1, _node.State.Checks);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        await WaitForChecksAsync(2);
        Assert.Contains(_node.State.Current().Items, i => i.Kind == DriftKind.KubeconfigEndpoint && i.Subject == kubelet);
        await monitor.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Merge_AgentRestarted_KeepsFirstSeenAndSequence()
    {
        ProcSys("0");
        _node.Store.Update(s => s.Sysctls.Add(new DesiredSysctl { Key = "net.ipv4.ip_forward", Value = "1", Source = "applied:r/s" }));
        var first = _node.State.Merge(await _node.Checker.CheckAsync(CancellationToken.None), _time.GetUtcNow());
        Assert.NotNull(first);
        _time.Advance(TimeSpan.FromHours(3));

        var restarted = new Agent.Drift.DriftState(_node.Options, _time);
        var second = restarted.Merge(await _node.Checker.CheckAsync(CancellationToken.None), _time.GetUtcNow());

        Assert.Null(second);
        Assert.Equal(first.Sequence, restarted.Current().Sequence);
        Assert.Equal(first.Epoch, restarted.Current().Epoch);
        Assert.Equal(first.Items[0].FirstSeen, restarted.Current().Items[0].FirstSeen);
    }
}
