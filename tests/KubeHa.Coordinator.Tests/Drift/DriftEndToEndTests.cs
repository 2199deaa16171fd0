using System.Diagnostics;
using System.Text.Json;
using KubeHa.Coordinator.Drift;
using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Tests.Integration;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Coordinator.Tests.Drift;

/// <summary>
/// A real agent process and a real `kubeha serve` process over mutual TLS on loopback: a hand
/// edit reaches the store, `kubeha drift` lists it, `--fix` restores it through a real step,
/// and reports buffered while the collector is down arrive once it is up.
/// </summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly AgentFixture _fixture = new();

    private string StateDir => _fixture.Temp.Combine("coordinator");

    public void Dispose() => _fixture.Dispose();

    private async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.Program.RunAsync([.. args, "--state-dir", StateDir], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Inventory(AgentProcess agent)
    {
        var path = _fixture.Temp.Combine("cluster.yaml");
        File.WriteAllText(path, $"""
            cluster: drift-it
            current_api_server: 127.0.0.1:6443
            endpoint: {"{ host: api.k8s.local, port: 8443 }"}
            load_balancer: {"{ mode: local-nginx }"}
            allow_unsafe_etcd_count: true
            nodes:
              - {"{"} name: {agent.Node}, address: 127.0.0.1, role: master, agent: {agent.Address} {"}"}
            """);
        return path;
    }

    [Fact]
    public async Task HandEdit_ReportedToServeListedByDriftAndFixedByACorrectiveRun()
    {
        var port = FreePort.Next();
        using var serve = new ServeProcess(StateDir, port);
        await serve.StartAsync();
        using var agent = DriftNode.Create(_fixture, "node-e2e", port);
        await agent.StartAsync();
        await DriftNode.PointAtEndpointAsync(_fixture, agent);
        var kubelet = DriftNode.Kubelet(agent);
        var applied = File.ReadAllText(kubelet);
        using var store = new DriftStore(StateDir, TimeProvider.System);
        await DriftNode.WaitForAsync(() => store.Sequences("node-e2e").Count > 0 && store.Items().Count == 0 ? "clean" : null, TimeSpan.FromSeconds(20), "a clean report at the collector");

        var edited = Stopwatch.StartNew();
        File.WriteAllText(kubelet, applied.Replace(DriftNode.Endpoint, DriftNode.MasterServer, StringComparison.Ordinal));
        var stored = await DriftNode.WaitForAsync(() => store.Items().FirstOrDefault(i => i.Item.Kind == DriftKind.FileContent), TimeSpan.FromSeconds(10), "the edit stored at the collector");
        output.WriteLine($"hand edit stored at the collector after {edited.ElapsedMilliseconds} ms");
        Assert.Equal(kubelet, stored.Item.Subject);
        Assert.Equal("node-e2e", stored.Reporter);
        await using (var connection = _fixture.Connect(agent.Node, agent.Address))
        {
            var current = (await connection.Client.GetDriftAsync(new GetDriftRequest())).Report;
            Assert.Contains(current.Items, i => i.Kind == DriftKind.FileContent && i.Subject == kubelet);
        }

        Assert.Contains("kubeha_agent_drift_items{kind=\"file_content\"} 1", await agent.MetricsAsync(), StringComparison.Ordinal);

        var (code, json, err) = await CliAsync("drift", "-o", "json");
        Assert.True(code == 0, err);
        var items = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        var file = Assert.Single(items, i => i.GetProperty("kind").GetString() == "file_content");
        Assert.Equal(kubelet, file.GetProperty("subject").GetString());
        Assert.True(file.GetProperty("correctable").GetBoolean());
        Assert.Contains($"+    server: {DriftNode.MasterServer}", file.GetProperty("diff").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("U0VDUkVUIEtFWQ==", json, StringComparison.Ordinal);
        Assert.Contains(items, i => i.GetProperty("kind").GetString() == "kubeconfig_endpoint" && i.GetProperty("actual").GetString() == DriftNode.MasterServer);

        var (fixCode, fixOut, fixErr) = await CliAsync("drift", "--fix", "-f", Inventory(agent), "--yes");
        output.WriteLine(fixOut);
        Assert.True(fixCode == 0, fixErr + fixOut);
        Assert.Contains($"+    server: {DriftNode.Endpoint}", fixOut, StringComparison.Ordinal);
        Assert.Equal(applied, File.ReadAllText(kubelet));
        using (var journal = new RunJournal(StateDir, TimeProvider.System))
        {
            var run = Assert.Single(journal.Runs());
            Assert.Equal(("corrective", RunStatus.Succeeded), (run.Kind, run.Status));
        }

        await DriftNode.WaitForAsync(() => store.Items().Count == 0 ? "closed" : null, TimeSpan.FromSeconds(10), "the items closed after the fix");
        Assert.Contains(store.Items(includeClosed: true), i => i.Item.Kind == DriftKind.FileContent && i.ClosedAt is not null);
    }

    [Fact]
    public async Task CollectorDown_AgentRestarted_BufferedReportsArriveInOrderOnce()
    {
        var port = FreePort.Next();
        using var agent = DriftNode.Create(_fixture, "node-buf", port);
        await agent.StartAsync();
        await DriftNode.PointAtEndpointAsync(_fixture, agent);
        var kubelet = DriftNode.Kubelet(agent);
        var applied = File.ReadAllText(kubelet);
        var outbox = Path.Combine(agent.StateDir, "drift", "outbox");
        int Buffered() => Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.pb").Length : 0;
        await DriftNode.WaitForAsync(() => Buffered() >= 1 ? "1" : null, TimeSpan.FromSeconds(20), "the first report buffered");

        File.WriteAllText(kubelet, applied.Replace(DriftNode.Endpoint, DriftNode.MasterServer, StringComparison.Ordinal));
        await DriftNode.WaitForAsync(() => Buffered() >= 2 ? "2" : null, TimeSpan.FromSeconds(10), "the drift report buffered");
        agent.Kill();
        File.WriteAllText(kubelet, applied);
        await agent.StartAsync();
        await DriftNode.WaitForAsync(() => Buffered() >= 3 ? "3" : null, TimeSpan.FromSeconds(20), "the report after the restart buffered");
        var buffered = Directory.GetFiles(outbox, "*.pb").Select(p => ulong.Parse(Path.GetFileNameWithoutExtension(p), System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();

        using var serve = new ServeProcess(StateDir, port);
        await serve.StartAsync();
        using var store = new DriftStore(StateDir, TimeProvider.System);
        await DriftNode.WaitForAsync(() => Buffered() == 0 && store.Sequences("node-buf").Count >= buffered.Count ? "all" : null, TimeSpan.FromSeconds(60), "every buffered report delivered");

        Assert.Equal(buffered, store.Sequences("node-buf"));
        Assert.Empty(store.Items());
        var history = Assert.Single(store.Items(includeClosed: true), i => i.Item.Kind == DriftKind.FileContent);
        Assert.NotNull(history.ClosedAt);
    }
}
