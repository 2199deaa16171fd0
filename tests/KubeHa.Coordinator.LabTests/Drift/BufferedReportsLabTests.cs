using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>
/// The third lab check: `kubeha serve` goes down; worker-2's agent keeps checking and
/// buffers its reports on disk, is restarted meanwhile, buffers another; when the daemon comes
/// back every buffered report is delivered, in order, once: the store holds each sequence
/// exactly once with no gap, and the open items are the agent's latest. The drift comes from the
/// built-in rule "LB configured by KubeHa (the managed marker) but not running" on
/// /etc/keepalived/keepalived.conf and /etc/haproxy/haproxy.cfg, restored at the end.
/// </summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class BufferedReportsLabTests(ClusterLab lab, ITestOutputHelper output)
{
    private const string Node = "worker-2";

    [LabFact]
    public async Task DaemonDown_AgentRestarted_BufferedReportsDeliveredOnceInOrder()
    {
        lab.RequireUp();
        await using var rig = new DriftRig(output, nameof(DaemonDown_AgentRestarted_BufferedReportsDeliveredOnceInOrder));
        var keepalived = Path.Combine(LabCli.NodeDir(Node), "etc-keepalived", "keepalived.conf");
        var haproxy = Path.Combine(LabCli.NodeDir(Node), "etc-haproxy", "haproxy.cfg");
        var keepalivedId = $"{Node}/service_inactive/keepalived";
        var haproxyId = $"{Node}/service_inactive/haproxy";
        var originals = new[] { keepalived, haproxy }.ToDictionary(p => p, p => File.Exists(p) ? File.ReadAllBytes(p) : null);
        await rig.Serve.StartAsync();
        var settings = DriftRig.Settings("worker", checkIntervalSeconds: 60);
        var agent = await rig.Agents.StartAsync(Node, settings);
        var outbox = Path.Combine(agent.StateDir, "drift", "outbox");
        try
        {
            await MarkManagedAsync(keepalived);
            await rig.WaitStoreAsync("keepalived configured but stopped: reported while the daemon is up", TimeSpan.FromSeconds(15), items => items.Any(i => i.Item.Id == keepalivedId));
            var first = rig.Store.Sequences(Node)[^1];
            rig.Log($"delivered up to sequence {first}; stopping kubeha serve");

            await rig.Serve.StopAsync();
            await MarkManagedAsync(haproxy);
            await LabCli.EventuallyAsync("report buffered while the daemon is down", TimeSpan.FromSeconds(15), () => Task.FromResult((Pending(outbox).Count == 1, Describe(outbox))));

            agent = await rig.Agents.StartAsync(Node, settings);
            rig.Log($"agent restarted; buffered: {Describe(outbox)}");
            Assert.Equal([first + 1], Pending(outbox));
            await Restore(keepalived, originals[keepalived]);
            await LabCli.EventuallyAsync("second report buffered after the restart", TimeSpan.FromSeconds(15), () => Task.FromResult((Pending(outbox).Count == 2, Describe(outbox))));
            Assert.Equal([first + 1, first + 2], Pending(outbox));

            await rig.Serve.StartAsync();
            rig.Log("kubeha serve started again");
            await LabCli.EventuallyAsync("outbox drained", TimeSpan.FromSeconds(30), () => Task.FromResult((Pending(outbox).Count == 0, Describe(outbox))));
            var drained = await rig.WaitStoreAsync("the latest report applied", TimeSpan.FromSeconds(10),
                items => rig.Store.Sequences(Node)[^1] == first + 2);
            rig.Log($"buffered reports stored {drained.TotalMilliseconds:0} ms after the outbox emptied");

            Assert.Equal([first, first + 1, first + 2], rig.Store.Sequences(Node).Where(s => s >= first));
            Assert.Equal(rig.Store.Sequences(Node).Count, rig.Store.Sequences(Node).Distinct().Count());
            var open = rig.Store.Items().Where(i => i.Item.Node == Node).Select(i => i.Item.Id).ToList();
            Assert.Equal([haproxyId], open);
            var all = await rig.DriftJsonAsync(all: true);
            Assert.Contains(all, e => e.GetProperty("id").GetString() == keepalivedId && e.TryGetProperty("closed_at", out _));
            Assert.Contains(all, e => e.GetProperty("id").GetString() == haproxyId && !e.TryGetProperty("closed_at", out _));
        }
        finally
        {
            foreach (var (path, bytes) in originals)
            {
                await Restore(path, bytes);
            }
        }
    }

    private static async Task MarkManagedAsync(string path)
    {
        var old = File.Exists(path) ? await File.ReadAllTextAsync(path) : string.Empty;
        await File.WriteAllTextAsync(path, "# Managed by kubeha (drift lab test)\n" + old);
    }

    private static async Task Restore(string path, byte[]? original)
    {
        if (original is null)
        {
            File.Delete(path);
        }
        else
        {
            await File.WriteAllBytesAsync(path, original);
        }
    }

    private static List<ulong> Pending(string outbox) =>
        Directory.Exists(outbox)
            ? Directory.EnumerateFiles(outbox, "*.pb").Select(f => ulong.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture)).Order().ToList()
            : [];

    private static string Describe(string outbox) => "outbox: [" + string.Join(", ", Pending(outbox)) + "]";
}
