using System.Text.RegularExpressions;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>
/// A real second etcd member on worker-1, as kubeadm's stacked etcd would run it: the etcd CA of
/// master-1, server and peer certificates from `kubeadm init phase certs etcd-server|etcd-peer`
/// on worker-1, `etcdctl member add --learner` (a learner does not count for quorum, so a
/// member that fails to start cannot take the cluster down), the static pod manifest of
/// master-1 with worker-1's name and address (the kubelet stand-in runs it and posts its mirror
/// pod), then `member promote` once it caught up: two voting members. <see cref="RemoveAsync"/>
/// removes the member (while both run, so quorum holds), then the manifest, data and certificates.
/// </summary>
internal static partial class EtcdSecondMember
{
    public const string Node = "worker-1";

    private static string Etcdctl =>
        "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt " +
        "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key";

    private static string MasterPki => Path.Combine(LabCli.NodeDir("master-1"), "etc-kubernetes", "pki", "etcd");

    private static string NodePki => Path.Combine(LabCli.NodeDir(Node), "etc-kubernetes", "pki", "etcd");

    private static string Manifest => Path.Combine(LabCli.NodeDir(Node), "etc-kubernetes", "manifests", "etcd.yaml");

    /// <returns>The new member's id (hex).</returns>
    public static async Task<string> AddAsync(Action<string> log)
    {
        var ip = LabCli.Ip(12);
        // A cert dir of its own holding only the etcd CA: on worker-1 itself kubeadm sees ca.crt
        // without ca.key and refuses ("external CA" mode).
        var certDir = Path.Combine(LabCli.NodeDir(Node), "etcd-pki");
        Directory.CreateDirectory(Path.Combine(certDir, "etcd"));
        File.Copy(Path.Combine(MasterPki, "ca.crt"), Path.Combine(certDir, "etcd", "ca.crt"), overwrite: true);
        File.Copy(Path.Combine(MasterPki, "ca.key"), Path.Combine(certDir, "etcd", "ca.key"), overwrite: true);
        var config = Path.Combine(LabCli.NodeDir(Node), "kubeadm-etcd.yaml");
        await File.WriteAllTextAsync(config, $"""
            apiVersion: kubeadm.k8s.io/v1beta2
            kind: InitConfiguration
            localAPIEndpoint:
              advertiseAddress: {ip}
            nodeRegistration:
              name: {Node}
            ---
            apiVersion: kubeadm.k8s.io/v1beta2
            kind: ClusterConfiguration
            kubernetesVersion: v1.20.2
            certificatesDir: {certDir}

            """);
        try
        {
            await ShAsync(Node, $"kubeadm init phase certs etcd-server --config {config} && kubeadm init phase certs etcd-peer --config {config}");
            Directory.CreateDirectory(NodePki);
            foreach (var name in new[] { "ca.crt", "server.crt", "server.key", "peer.crt", "peer.key" })
            {
                File.Copy(Path.Combine(certDir, "etcd", name), Path.Combine(NodePki, name), overwrite: true);
            }
        }
        finally
        {
            Directory.Delete(certDir, recursive: true);
        }

        var added = await ShAsync("master-1", $"{Etcdctl} member add {Node} --peer-urls=https://{ip}:2380 --learner");
        var id = MemberAdded().Match(added).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(id), "no member id in: " + added);
        log($"etcd learner {id} added for {Node}");

        var manifest = (await File.ReadAllTextAsync(Path.Combine(LabCli.NodeDir("master-1"), "etc-kubernetes", "manifests", "etcd.yaml"))).Replace(LabCli.Ip(11), ip, StringComparison.Ordinal);
        manifest = InitialCluster().Replace(manifest, m =>
            $"{m.Groups[1].Value}--initial-cluster=master-1=https://{LabCli.Ip(11)}:2380,{Node}=https://{ip}:2380\n{m.Groups[1].Value}--initial-cluster-state=existing");
        manifest = manifest.Replace("--name=master-1", "--name=" + Node, StringComparison.Ordinal);
        var temp = Path.Combine(LabCli.NodeDir(Node), "etcd.yaml.tmp");
        await File.WriteAllTextAsync(temp, manifest);
        File.Move(temp, Manifest);

        await LabCli.EventuallyAsync($"etcd learner on {Node} promoted", TimeSpan.FromSeconds(90), async () =>
        {
            var promote = await LabCli.ExecAsync("master-1", "sh", "-c", $"{Etcdctl} member promote {id}");
            return (promote.ExitCode == 0, promote.Stdout + promote.Stderr);
        });
        log("etcd learner promoted: two voting members");
        await LabCli.EventuallyAsync("etcd healthy on both members", TimeSpan.FromSeconds(60), async () =>
        {
            var health = await LabCli.ExecAsync("master-1", "sh", "-c", $"{Etcdctl} endpoint health --cluster");
            return (health.ExitCode == 0 && Regex.Count(health.Stdout + health.Stderr, "is healthy") == 2, health.Stdout + health.Stderr);
        });
        return id;
    }

    public static async Task RemoveAsync(string? id, Action<string> log)
    {
        if (id is not null)
        {
            // etcd's strict reconfiguration check refuses ("unhealthy cluster") until the member
            // has been connected for its health interval (5 s): retry.
            await LabCli.EventuallyAsync($"etcd member {id} removed", TimeSpan.FromSeconds(60), async () =>
            {
                var remove = await LabCli.ExecAsync("master-1", "sh", "-c", $"{Etcdctl} member remove {id}");
                return (remove.ExitCode == 0, remove.Stdout + remove.Stderr);
            });
            log($"etcd member {id} removed");
        }

        File.Delete(Manifest);
        await LabCli.EventuallyAsync($"mirror pod etcd-{Node} gone", TimeSpan.FromSeconds(60), async () =>
        {
            using var pods = await LabCli.KubectlJsonAsync("get", "pods", "-n", "kube-system", "-l", "component=etcd");
            var names = pods.RootElement.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("metadata").GetProperty("name").GetString()).ToList();
            return (!names.Contains($"etcd-{Node}"), string.Join(", ", names));
        });
        await ShAsync(Node, "rm -rf /var/lib/etcd/member");
        Directory.Delete(NodePki, recursive: true);
        File.Delete(Path.Combine(LabCli.NodeDir(Node), "kubeadm-etcd.yaml"));
    }

    private static async Task<string> ShAsync(string node, string script)
    {
        var result = await LabCli.ExecAsync(node, "sh", "-c", script);
        Assert.True(result.ExitCode == 0, result.Describe($"{node}: {script}"));
        return result.Stdout + result.Stderr;
    }

    // etcdctl prints the id with %16x: a leading zero becomes a space ("Member  f71d21f60d38726 added").
    [GeneratedRegex(@"Member\s+([0-9a-f]+) added")]
    private static partial Regex MemberAdded();

    [GeneratedRegex(@"(?m)^(\s*- )--initial-cluster=\S+$")]
    private static partial Regex InitialCluster();
}
