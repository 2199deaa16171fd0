using System.Diagnostics;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Drift;
using KubeHa.Agent.Services;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>Outbox bounds and acknowledgement, the process-name service check, drift keys in agent.yaml.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftPlumbingTests
{
    [Fact]
    public void Outbox_OverTheLimit_DropsOldestAndAckRemovesUpToSequence()
    {
        using var node = new DriftHarness(TimeProvider.System, bufferLimit: 3);
        for (ulong s = 1; s <= 5; s++)
        {
            node.Outbox.Enqueue(new DriftReport { Node = "node-1", Sequence = s });
        }

        Assert.Equal([3UL, 4UL, 5UL], node.Outbox.Pending().Select(p => p.Sequence));
        Assert.Equal(2, node.Outbox.Dropped);

        using var reopened = new DriftOutbox(node.Options);
        reopened.Acknowledge(4);
        Assert.Equal(5UL, Assert.Single(reopened.Pending()).Sequence);
        Assert.Equal(5UL, DriftOutbox.Read(reopened.Pending()[0].Path).Sequence);
    }

    [Fact]
    public async Task ServiceProbe_ProcessFallback_SeesARealProcessByName()
    {
        using var sleep = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var probe = new ServiceProbe("/proc", systemd: false);

            Assert.True(await probe.IsActiveAsync("sleep", CancellationToken.None));
            Assert.False(await probe.IsActiveAsync("kubeha-no-such-service", CancellationToken.None));
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public async Task ServiceProbe_LabManager_AsksTheSupervisorNotTheSharedProcessTable()
    {
        // Lab nodes share the host's PID namespace: a `sleep` runs (this one), but the node's
        // supervisor says it is inactive there, and that is the answer.
        using var dir = new TempDir("kubeha-svc");
        var svc = dir.Combine("svc");
        await File.WriteAllTextAsync(svc, "#!/bin/sh\ncase \"$2\" in haproxy) echo active; exit 0;; *) echo inactive; exit 3;; esac\n");
        File.SetUnixFileMode(svc, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var sleep = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var probe = new ServiceProbe(new LabServiceManager(TimeProvider.System, svc));

            Assert.False(await probe.IsActiveAsync("sleep", CancellationToken.None));
            Assert.True(await probe.IsActiveAsync("haproxy", CancellationToken.None));
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public void Config_DriftKeys_ParsedAndNormalized()
    {
        var options = AgentConfigLoader.Parse("""
            node_name: m1
            tls: { ca: /a, cert: /b, key: /c }
            endpoint: api.k8s.local:8443
            collector: 10.0.0.5:7445
            drift_check_interval_s: 15
            cert_expiry_days: 45
            """, "agent.yaml");

        Assert.Equal("https://api.k8s.local:8443", options.Drift.Endpoint);
        Assert.Equal("https://10.0.0.5:7445", options.Drift.Collector);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Drift.CheckInterval);
        Assert.Equal(TimeSpan.FromDays(45), options.Drift.CertExpiryWarning);
    }

    [Fact]
    public void Config_BadDriftKeys_EveryProblemReported()
    {
        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Parse("""
            node_name: m1
            tls: { ca: /a, cert: /b, key: /c }
            endpoint: ftp://x/y
            drift_check_interval_s: 0
            kubernetes_dir: relative
            """, "agent.yaml"));

        Assert.Equal(3, e.Errors.Count);
        Assert.Contains(e.Errors, m => m.Contains("endpoint", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("drift_check_interval_s", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("kubernetes_dir", StringComparison.Ordinal));
    }
}
