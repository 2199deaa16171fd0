using System.Diagnostics;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>
/// The issue's first lab check: KubeHa points worker-1's kubelet.conf at https://master-1:6443
/// (a name the lab's /etc/hosts and the API server certificate both carry, so the node stays
/// Ready); then a hand edit inside the node puts the old address back. The real agent sees it
/// (inotify; its periodic check is 60 s, so only the watch can be this fast), the real
/// `kubeha serve` stores it within 2 s, `kubeha drift` lists it with its diff, `kubeha drift
/// --fix` restores the recorded content and the item closes. The step is rolled back at the end.
/// </summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class KubeletConfDriftLabTests(ClusterLab lab, ITestOutputHelper output)
{
    private const string Node = "worker-1";
    private const string KubeletConf = "/etc/kubernetes/kubelet.conf";

    [LabFact]
    public async Task HandEdit_KubeletConf_ReportedWithin2sListedAndFixRestoresAndClosesIt()
    {
        lab.RequireUp();
        await using var rig = new DriftRig(output, nameof(HandEdit_KubeletConf_ReportedWithin2sListedAndFixRestoresAndClosesIt));
        var hostPath = Path.Combine(LabCli.NodeDir(Node), "etc-kubernetes", "kubelet.conf");
        var original = await File.ReadAllBytesAsync(hostPath);
        var oldServer = $"https://{LabCli.Ip(11)}:6443";
        Assert.Contains($"server: {oldServer}", System.Text.Encoding.UTF8.GetString(original), StringComparison.Ordinal);
        await rig.Serve.StartAsync();
        await rig.Agents.StartAsync(Node, DriftRig.Settings("worker", checkIntervalSeconds: 60));
        rig.Log("daemon and agent up");

        var step = new StepSpec { KubeconfigEndpoint = new KubeconfigEndpointAction { Server = "https://master-1:6443", Files = { new KubeconfigFile { Path = KubeletConf, Required = true } } } };
        var applied = await rig.ApplyAsync(Node, "kubelet-endpoint", step);
        try
        {
            Assert.True(applied.Outcome == StepOutcome.Succeeded, applied.Reason);
            Assert.True(applied.Changed);
            var desired = await File.ReadAllBytesAsync(hostPath);
            await rig.WaitStoreAsync("no open drift on worker-1 after the step", TimeSpan.FromSeconds(20), items => items.All(i => i.Item.Node != Node));

            var edit = Stopwatch.StartNew();
            var sed = await LabCli.ExecAsync(Node, "sed", "-i", $"s#server: https://master-1:6443#server: {oldServer}#", KubeletConf);
            Assert.True(sed.ExitCode == 0, sed.Describe("hand edit"));
            await rig.WaitStoreAsync("kubelet.conf drift stored by kubeha serve", TimeSpan.FromSeconds(15),
                items => items.Any(i => i.Item.Id == $"{Node}/file_content/{KubeletConf}"));
            var latency = edit.Elapsed;
            rig.Log($"hand edit -> stored by the daemon: {latency.TotalMilliseconds:0} ms (including the edit inside the node)");
            Assert.True(latency <= TimeSpan.FromSeconds(2), $"drift reached the daemon after {latency.TotalMilliseconds:0} ms, more than 2 s");

            var table = await KubehaCli.RunAsync(rig.Serve.StateDir, "drift");
            Assert.True(table.ExitCode == 0, table.Describe("kubeha drift"));
            output.WriteLine(table.Stdout);
            Assert.Matches($@"(?m)^{Node}\s+file_content\s+{KubeletConf}\s", table.Stdout);
            Assert.Matches($@"(?m)^{Node}\s+kubeconfig_endpoint\s+{KubeletConf}\s+https://master-1:6443\s+{oldServer}\s", table.Stdout);
            Assert.Contains("    -    server: https://master-1:6443", table.Stdout, StringComparison.Ordinal);
            Assert.Contains($"    +    server: {oldServer}", table.Stdout, StringComparison.Ordinal);
            var json = (await rig.DriftJsonAsync()).Single(e => e.GetProperty("id").GetString() == $"{Node}/file_content/{KubeletConf}");
            Assert.True(json.GetProperty("correctable").GetBoolean());
            Assert.Equal($"applied:{rig.RunId}/kubelet-endpoint", json.GetProperty("source").GetString());
            Assert.Equal(Node, json.GetProperty("reporter").GetString());

            var fix = await KubehaCli.RunAsync(rig.Serve.StateDir, "drift", "--fix", "-f", rig.InventoryPath, "--yes");
            output.WriteLine(fix.Stdout);
            Assert.True(fix.ExitCode == 0, fix.Describe("kubeha drift --fix"));
            Assert.Contains($"[{Node}] restore the recorded desired state of {KubeletConf}", fix.Stdout, StringComparison.Ordinal);
            Assert.Equal(desired, await File.ReadAllBytesAsync(hostPath));
            var closed = await rig.WaitStoreAsync("kubelet.conf items closed", TimeSpan.FromSeconds(10),
                items => items.Where(i => i.Item.Node == Node).ToList() is { Count: >= 2 } mine && mine.All(i => i.ClosedAt is not null), includeClosed: true);
            rig.Log($"fix done; items closed {closed.TotalMilliseconds:0} ms after it");
            Assert.DoesNotContain(await rig.DriftJsonAsync(), e => e.GetProperty("node").GetString() == Node);
            Assert.Contains(await rig.DriftJsonAsync(all: true), e => e.GetProperty("id").GetString() == $"{Node}/file_content/{KubeletConf}" && e.TryGetProperty("closed_at", out _));
        }
        finally
        {
            var undo = await rig.RollbackAsync(Node, "kubelet-endpoint");
            var now = await File.ReadAllBytesAsync(hostPath);
            if (!original.AsSpan().SequenceEqual(now))
            {
                await File.WriteAllBytesAsync(hostPath, original);
            }

            Assert.True(undo.Outcome == StepOutcome.Succeeded, undo.Reason);
        }

        Assert.Equal(original, await File.ReadAllBytesAsync(hostPath));
    }
}
