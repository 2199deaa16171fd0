using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>
/// Scenarios 1, 4 and 6 of the end-to-end issue on real programs: `kubeha apply` converts the
/// lab's single master to three masters behind local nginx proxies while a probe watches the
/// API, every result is checked where it lives, then master-1 is killed and the cluster keeps
/// serving through the endpoint.
/// </summary>
[Collection(ConversionLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed partial class LocalNginxConversionTests(ConversionLab lab)
{
    private static readonly string Endpoint = $"https://{ConversionLab.EndpointHost}:{ConversionLab.EndpointPort}";

    [LabFact]
    public async Task Apply_LocalNginx_ConvertsToThreeMastersThenSurvivesLosingMasterOne()
    {
        lab.RequireUp();
        var ca = Path.Combine(LabCli.NodeDir("master-1"), "etc-kubernetes", "pki", "ca.crt");
        var watch = Stopwatch.StartNew();
        LabCli.Result apply;
        await using (var watcher = new ApiWatcher($"https://{LabCli.Ip(11)}:6443", ca))
        {
            apply = await KubehaCli.RunAsync(lab.StateDir, TimeSpan.FromMinutes(25), "apply", "-f", lab.InventoryPath, "--yes");
            await watcher.DisposeAsync();
            lab.Log($"kubeha apply: exit {apply.ExitCode} in {watch.Elapsed.TotalSeconds:0} s; API unanswered {watcher.Down.TotalSeconds:0.0} s " +
                    $"(longest {watcher.LongestOutage.TotalSeconds:0.0} s, {watcher.Probes} probes); NotReady transitions: {watcher.NotReadyTransitions.Count} {string.Join(", ", watcher.NotReadyTransitions)}");
            lab.Log("kubeha apply output:\n" + apply.Stdout + apply.Stderr);
            Assert.True(apply.ExitCode == 0, apply.Describe("kubeha apply"));
            Assert.Empty(watcher.NotReadyTransitions);
            // One kube-apiserver restart on master-1 (the certificate) is the budget.
            Assert.True(watcher.LongestOutage < TimeSpan.FromSeconds(60), $"API down {watcher.LongestOutage.TotalSeconds:0.0} s at a stretch");
        }

        await AssertConvertedAsync();
        await AssertFailoverAsync();
    }

    private static async Task AssertConvertedAsync()
    {
        // Every kubeconfig on every node points at the endpoint.
        foreach (var node in ConversionLab.AllNodes)
        {
            var files = ConversionLab.Workers.Contains(node) ? (string[])["kubelet.conf"] : ["kubelet.conf", "admin.conf", "controller-manager.conf", "scheduler.conf"];
            foreach (var f in files)
            {
                var text = await File.ReadAllTextAsync(Path.Combine(LabCli.NodeDir(node), "etc-kubernetes", f));
                Assert.True(ServerLine().Matches(text).All(m => m.Groups[1].Value == Endpoint), $"{node}:/etc/kubernetes/{f} servers: {string.Join(", ", ServerLine().Matches(text).Select(m => m.Groups[1].Value))}");
            }
        }

        // Both ConfigMaps, and kubeadm-config.
        using var kubeProxy = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-system", "kube-proxy");
        Assert.Contains($"server: {Endpoint}", kubeProxy.RootElement.GetProperty("data").GetProperty("kubeconfig.conf").GetString(), StringComparison.Ordinal);
        using var clusterInfo = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-public", "cluster-info");
        Assert.Contains($"server: {Endpoint}", clusterInfo.RootElement.GetProperty("data").GetProperty("kubeconfig").GetString(), StringComparison.Ordinal);
        using var kubeadm = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-system", "kubeadm-config");
        var clusterConfig = kubeadm.RootElement.GetProperty("data").GetProperty("ClusterConfiguration").GetString()!;
        Assert.Contains($"controlPlaneEndpoint: {ConversionLab.EndpointHost}:{ConversionLab.EndpointPort}", clusterConfig, StringComparison.Ordinal);
        Assert.Contains("certSANs:", clusterConfig, StringComparison.Ordinal);

        // Every master's API server certificate verifies for the endpoint name against the cluster CA,
        // directly and through the node's own proxy.
        foreach (var (m, i) in ConversionLab.Masters.Select((m, i) => (m, i)))
        {
            foreach (var target in new[] { $"{LabCli.Ip(11 + (i == 0 ? 0 : i + 2))}:6443", $"127.0.0.1:{ConversionLab.EndpointPort}" })
            {
                var s = await LabCli.ExecAsync(m, "sh", "-c",
                    $"openssl s_client -connect {target} -servername {ConversionLab.EndpointHost} -verify_hostname {ConversionLab.EndpointHost} -CAfile /etc/kubernetes/pki/ca.crt </dev/null 2>&1");
                Assert.True(s.Stdout.Contains("Verify return code: 0 (ok)", StringComparison.Ordinal), $"{m} -> {target}: {s.Stdout}");
            }
        }

        // etcd: three healthy members; --initial-cluster the same in every manifest.
        var health = await Etcdctl("master-1", "endpoint", "health", "--cluster");
        Assert.Equal(3, Regex.Count(health.Stdout + health.Stderr, "is healthy"));
        var initial = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in ConversionLab.Masters)
        {
            var manifest = await File.ReadAllTextAsync(Path.Combine(LabCli.NodeDir(m), "etc-kubernetes", "manifests", "etcd.yaml"));
            initial.Add(InitialCluster().Match(manifest).Groups[1].Value);
        }

        Assert.Single(initial);
        Assert.Equal(3, initial.Single().Split(',').Length);
        var ready = await LabCli.NodeReadinessAsync();
        Assert.True(ready.Count == 5 && ready.Values.All(v => v == "True"), string.Join(' ', ready));
    }

    private static async Task AssertFailoverAsync()
    {
        var kill = await LabCli.RunAsync(TimeSpan.FromMinutes(2), "kill", "master-1");
        Assert.True(kill.ExitCode == 0, kill.Describe("kubeha-lab kill master-1"));
        try
        {
            // kubectl through the endpoint (master-2's admin.conf -> its local nginx -> a live API server).
            await LabCli.EventuallyAsync("kubectl through the endpoint from master-2", TimeSpan.FromSeconds(60), async () =>
            {
                var get = await LabCli.ExecAsync("master-2", "kubectl", "--kubeconfig", "/etc/kubernetes/admin.conf", "get", "nodes", "-o", "name");
                return (get.ExitCode == 0 && get.Stdout.Contains("node/worker-1", StringComparison.Ordinal), get.Stdout + get.Stderr);
            });
            var health = await Etcdctl("master-2", "endpoint", "health", "--endpoints", $"https://{LabCli.Ip(14)}:2379,https://{LabCli.Ip(15)}:2379");
            Assert.Equal(2, Regex.Count(health.Stdout + health.Stderr, "is healthy"));
            // The other nodes stay Ready well past the node grace period.
            await Task.Delay(TimeSpan.FromSeconds(45));
            var get = await LabCli.ExecAsync("master-2", "kubectl", "--kubeconfig", "/etc/kubernetes/admin.conf", "get", "nodes", "-o", "json");
            Assert.True(get.ExitCode == 0, get.Describe("kubectl get nodes via master-2"));
            using var nodes = JsonDocument.Parse(get.Stdout);
            foreach (var n in nodes.RootElement.GetProperty("items").EnumerateArray())
            {
                var name = n.GetProperty("metadata").GetProperty("name").GetString()!;
                var status = n.GetProperty("status").GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("type").GetString() == "Ready").GetProperty("status").GetString();
                if (name != "master-1")
                {
                    Assert.True(status == "True", $"{name} is {status} after master-1 died");
                }
            }
        }
        finally
        {
            await LabCli.RunAsync(TimeSpan.FromMinutes(2), "start", "master-1");
        }
    }

    private static Task<LabCli.Result> Etcdctl(string node, params string[] args) =>
        LabCli.ExecAsync(node, ["env", "ETCDCTL_API=3", "etcdctl", "--cacert", "/etc/kubernetes/pki/etcd/ca.crt",
            "--cert", "/etc/kubernetes/pki/etcd/healthcheck-client.crt", "--key", "/etc/kubernetes/pki/etcd/healthcheck-client.key",
            .. (args.Contains("--endpoints") ? [] : (string[])["--endpoints", $"https://{LabCli.Ip(11)}:2379"]), .. args]);

    [GeneratedRegex(@"(?m)^\s*server:\s*(\S+)\s*$")]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"--initial-cluster=(\S+)")]
    private static partial Regex InitialCluster();
}
