using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>
/// What a finished conversion must look like, checked where each thing lives (files on every
/// node, ConfigMaps, certificates over TLS, etcd), and the failover of master-1.
/// </summary>
internal static partial class ConversionChecks
{
    public static async Task AssertConvertedAsync(E2EScenario scenario)
    {
        var endpoint = scenario.Endpoint(ConversionLab.NodeIp);
        var name = scenario.EndpointName(ConversionLab.NodeIp);
        // Every kubeconfig on every node points at the endpoint.
        foreach (var node in ConversionLab.Masters.Concat(ConversionLab.Workers))
        {
            var files = ConversionLab.Workers.Contains(node) ? (string[])["kubelet.conf"] : ["kubelet.conf", "admin.conf", "controller-manager.conf", "scheduler.conf"];
            foreach (var f in files)
            {
                var text = await File.ReadAllTextAsync(Path.Combine(LabCli.NodeDir(node), "etc-kubernetes", f));
                Assert.True(ServerLine().Matches(text).All(m => m.Groups[1].Value == endpoint), $"{node}:/etc/kubernetes/{f} servers: {string.Join(", ", ServerLine().Matches(text).Select(m => m.Groups[1].Value))}");
            }
        }

        // Both ConfigMaps, and kubeadm-config.
        using var kubeProxy = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-system", "kube-proxy");
        Assert.Contains($"server: {endpoint}", kubeProxy.RootElement.GetProperty("data").GetProperty("kubeconfig.conf").GetString(), StringComparison.Ordinal);
        using var clusterInfo = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-public", "cluster-info");
        Assert.Contains($"server: {endpoint}", clusterInfo.RootElement.GetProperty("data").GetProperty("kubeconfig").GetString(), StringComparison.Ordinal);
        using var kubeadm = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-system", "kubeadm-config");
        var clusterConfig = kubeadm.RootElement.GetProperty("data").GetProperty("ClusterConfiguration").GetString()!;
        Assert.Contains($"controlPlaneEndpoint: {name}:{scenario.EndpointPort}", clusterConfig, StringComparison.Ordinal);
        Assert.Contains("certSANs:", clusterConfig, StringComparison.Ordinal);

        // Every master's API server certificate verifies for the endpoint name against the cluster
        // CA, directly and through the endpoint as that master reaches it.
        var through = scenario.Name == "local-nginx" ? $"127.0.0.1:{scenario.EndpointPort}" : $"{name}:{scenario.EndpointPort}";
        foreach (var m in ConversionLab.Masters)
        {
            foreach (var target in new[] { $"{ConversionLab.NodeIp(m)}:6443", through })
            {
                await AssertTlsVerifiesAsync(m, target, name);
            }
        }

        // etcd: three healthy members; --initial-cluster the same in every manifest.
        var health = await EtcdctlAsync("master-1", "endpoint", "health", "--cluster");
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

    /// <summary>openssl on <paramref name="node"/>: the certificate at <paramref name="target"/> verifies for <paramref name="name"/>.</summary>
    public static async Task AssertTlsVerifiesAsync(string node, string target, string name, bool expected = true)
    {
        var verify = IPAddress.TryParse(name, out _) ? $"-verify_ip {name}" : $"-servername {name} -verify_hostname {name}";
        var s = await LabCli.ExecAsync(node, "sh", "-c", $"openssl s_client -connect {target} {verify} -CAfile /etc/kubernetes/pki/ca.crt </dev/null 2>&1");
        Assert.True(s.Stdout.Contains("Verify return code: 0 (ok)", StringComparison.Ordinal) == expected, $"{node} -> {target} for {name}: {s.Stdout}");
    }

    /// <summary>
    /// Scenario 4: master-1 dies (every process); kubectl through the endpoint keeps working from
    /// master-2, etcd keeps quorum, the other nodes stay Ready past the node grace period (when
    /// <paramref name="waitForGrace"/>), and <paramref name="also"/> holds. master-1 is started again.
    /// </summary>
    public static async Task AssertFailoverAsync(bool waitForGrace, Func<Task>? also = null)
    {
        var kill = await LabCli.RunAsync(TimeSpan.FromMinutes(2), "kill", "master-1");
        Assert.True(kill.ExitCode == 0, kill.Describe("kubeha-lab kill master-1"));
        try
        {
            await LabCli.EventuallyAsync("kubectl through the endpoint from master-2", TimeSpan.FromSeconds(60), async () =>
            {
                var get = await LabCli.ExecAsync("master-2", "kubectl", "--kubeconfig", "/etc/kubernetes/admin.conf", "get", "nodes", "-o", "name");
                return (get.ExitCode == 0 && get.Stdout.Contains("node/worker-1", StringComparison.Ordinal), get.Stdout + get.Stderr);
            });
            var health = await EtcdctlAsync("master-2", "endpoint", "health", "--endpoints", $"https://{ConversionLab.NodeIp("master-2")}:2379,https://{ConversionLab.NodeIp("master-3")}:2379");
            Assert.Equal(2, Regex.Count(health.Stdout + health.Stderr, "is healthy"));
            if (also is not null)
            {
                await also();
            }

            if (!waitForGrace)
            {
                return;
            }

            // The other nodes stay Ready well past the node grace period (16 s in the lab).
            await Task.Delay(TimeSpan.FromSeconds(35));
            var nodes = await LabCli.ExecAsync("master-2", "kubectl", "--kubeconfig", "/etc/kubernetes/admin.conf", "get", "nodes", "-o", "json");
            Assert.True(nodes.ExitCode == 0, nodes.Describe("kubectl get nodes via master-2"));
            using var json = JsonDocument.Parse(nodes.Stdout);
            foreach (var n in json.RootElement.GetProperty("items").EnumerateArray())
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

    public static Task<LabCli.Result> EtcdctlAsync(string node, params string[] args) =>
        LabCli.ExecAsync(node, ["env", "ETCDCTL_API=3", "etcdctl", "--cacert", "/etc/kubernetes/pki/etcd/ca.crt",
            "--cert", "/etc/kubernetes/pki/etcd/healthcheck-client.crt", "--key", "/etc/kubernetes/pki/etcd/healthcheck-client.key",
            .. (args.Contains("--endpoints") ? [] : (string[])["--endpoints", $"https://{ConversionLab.NodeIp("master-1")}:2379"]), .. args]);

    [GeneratedRegex(@"(?m)^\s*server:\s*(\S+)\s*$")]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"--initial-cluster=(\S+)")]
    private static partial Regex InitialCluster();
}
