using System.Text.Json;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Lab.Tests.Cluster;

/// <summary>
/// The lab against the real programs: kubeadm v1.20.2, kube-apiserver, controller-manager,
/// scheduler, etcd, through the kubelet stand-in. One shared lab; tests run in declared order
/// and the last one takes the lab down and checks nothing is left.
/// </summary>
[Collection(LabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
[TestCaseOrderer(DeclaredOrderer.TypeName, DeclaredOrderer.AssemblyName)]
public sealed class LabClusterTests(LabFixture lab)
{
    private const string Master = LabFixture.Master;
    private static readonly TimeSpan NodeTransition = TimeSpan.FromSeconds(75);

    [LabFact]
    [Order(1)]
    public async Task Up_FromNothing_MasterAndWorkersReady()
    {
        lab.RequireUp();
        var ready = await LabCli.NodeReadinessAsync();

        Assert.Equal([Master, .. LabFixture.Workers], ready.Keys.Order(StringComparer.Ordinal));
        Assert.All(ready, n => Assert.Equal("True", n.Value));
        Assert.True(lab.UpDuration < TimeSpan.FromMinutes(4), $"up took {lab.UpDuration}");
        var nodes = await LabCli.RunAsync(TimeSpan.FromSeconds(10), "nodes");
        Assert.Equal([Master, .. LabFixture.Workers], nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [LabFact]
    [Order(2)]
    public async Task Up_ControlPlaneStaticPods_ListedAsRunningMirrorPods()
    {
        lab.RequireUp();
        using var pods = await LabCli.KubectlJsonAsync("get", "pods", "-n", "kube-system");
        var running = pods.RootElement.GetProperty("items").EnumerateArray()
            .Where(p => p.GetProperty("metadata").TryGetProperty("annotations", out var a) && a.TryGetProperty("kubernetes.io/config.mirror", out _))
            .Where(p => p.GetProperty("status").GetProperty("phase").GetString() == "Running")
            .Select(p => p.GetProperty("metadata").GetProperty("name").GetString())
            .ToHashSet();

        foreach (var component in new[] { "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler" })
        {
            Assert.Contains($"{component}-{Master}", running);
        }
    }

    [LabFact]
    [Order(3)]
    public async Task Up_KubeadmConfigMaps_ExistWithoutControlPlaneEndpoint()
    {
        lab.RequireUp();
        using var kubeadmConfig = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-system", "kubeadm-config");
        using var kubeProxy = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-system", "kube-proxy");
        using var clusterInfo = await LabCli.KubectlJsonAsync("get", "configmap", "-n", "kube-public", "cluster-info");

        var clusterConfiguration = kubeadmConfig.RootElement.GetProperty("data").GetProperty("ClusterConfiguration").GetString()!;
        Assert.Contains("kubernetesVersion: v1.20.2", clusterConfiguration, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"controlPlaneEndpoint: *""?[^""\s]", clusterConfiguration);
        Assert.Contains($"server: https://{LabCli.Ip(11)}:6443", kubeProxy.RootElement.GetProperty("data").GetProperty("kubeconfig.conf").GetString(), StringComparison.Ordinal);
        Assert.Contains($"server: https://{LabCli.Ip(11)}:6443", clusterInfo.RootElement.GetProperty("data").GetProperty("kubeconfig").GetString(), StringComparison.Ordinal);
    }

    [LabFact]
    [Order(4)]
    public async Task Up_EtcdEndpointHealthOverTls_Healthy()
    {
        lab.RequireUp();
        var health = await LabCli.ExecAsync(
            Master,
            "etcdctl", "--endpoints", $"https://{LabCli.Ip(11)}:2379",
            "--cacert", "/etc/kubernetes/pki/etcd/ca.crt",
            "--cert", "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
            "--key", "/etc/kubernetes/pki/etcd/healthcheck-client.key",
            "endpoint", "health");

        Assert.True(health.ExitCode == 0, health.Describe("etcdctl endpoint health"));
        Assert.Contains($"https://{LabCli.Ip(11)}:2379 is healthy", health.Stdout + health.Stderr, StringComparison.Ordinal);
    }

    [LabFact]
    [Order(5)]
    public async Task Up_Workers_JoinedThroughKubeletTlsBootstrap()
    {
        lab.RequireUp();
        using var csrs = await LabCli.KubectlJsonAsync("get", "csr");
        var issuedFor = csrs.RootElement.GetProperty("items").EnumerateArray()
            .Where(c => c.GetProperty("spec").GetProperty("signerName").GetString() == "kubernetes.io/kube-apiserver-client-kubelet")
            .Where(c => c.TryGetProperty("status", out var s) && s.TryGetProperty("certificate", out _))
            .Select(c => c.GetProperty("spec").GetProperty("username").GetString())
            .ToList();
        Assert.Equal(LabFixture.Workers.Length, issuedFor.Count);
        Assert.All(issuedFor, u => Assert.StartsWith("system:bootstrap:", u, StringComparison.Ordinal));

        foreach (var worker in LabFixture.Workers)
        {
            var conf = await LabCli.ExecAsync(worker, "cat", "/etc/kubernetes/kubelet.conf");
            Assert.Contains($"server: https://{LabCli.Ip(11)}:6443", conf.Stdout, StringComparison.Ordinal);
            Assert.Contains("client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem", conf.Stdout, StringComparison.Ordinal);
            var bootstrap = await LabCli.ExecAsync(worker, "test", "-e", "/etc/kubernetes/bootstrap-kubelet.conf");
            Assert.True(bootstrap.ExitCode != 0, $"{worker}: kubeadm join should have removed bootstrap-kubelet.conf");
            var hostname = await LabCli.ExecAsync(worker, "hostname");
            Assert.Equal(worker, hostname.Stdout.Trim());
        }
    }

    [LabFact]
    [Order(6)]
    public async Task Supervisor_StartReloadStop_ExitCodesLikeSystemctl()
    {
        lab.RequireUp();
        const string Node = "worker-1";
        Assert.Equal(0, (await LabCli.ExecAsync(Node, "svc", "is-active", "kubelet")).ExitCode);
        Assert.Equal(3, (await LabCli.ExecAsync(Node, "svc", "is-active", "nginx")).ExitCode);
        Assert.Equal(5, (await LabCli.ExecAsync(Node, "svc", "is-active", "no-such-service")).ExitCode);

        var start = await LabCli.ExecAsync(Node, "svc", "start", "nginx");
        Assert.True(start.ExitCode == 0, start.Describe("svc start nginx"));
        Assert.Equal(0, (await LabCli.ExecAsync(Node, "svc", "is-active", "nginx")).ExitCode);
        var page = await LabCli.ExecAsync(Node, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", $"http://{LabCli.Ip(12)}/");
        Assert.Equal("200", page.Stdout);
        Assert.Equal(0, (await LabCli.ExecAsync(Node, "svc", "reload", "nginx")).ExitCode);

        Assert.Equal(0, (await LabCli.ExecAsync(Node, "svc", "stop", "nginx")).ExitCode);
        Assert.Equal(3, (await LabCli.ExecAsync(Node, "svc", "is-active", "nginx")).ExitCode);
        var onHost = await LabCli.RunProgramAsync(Path.Combine(Path.GetDirectoryName(LabCli.Script)!, "svc"), TimeSpan.FromSeconds(10), "is-active", "kubelet");
        Assert.Equal(6, onHost.ExitCode);
    }

    /// <summary>
    /// Stopping the API server the way an operator stops a static pod (manifest out of
    /// /etc/kubernetes/manifests): the stand-in stops the process; putting it back starts it and
    /// the cluster, workers included, is Ready again.
    /// </summary>
    [LabFact]
    [Order(7)]
    public async Task ApiServerStopped_ThenStarted_ProcessFollowsManifestAndNodesReadyAgain()
    {
        lab.RequireUp();
        var moved = await LabCli.ExecAsync(Master, "mv", "/etc/kubernetes/manifests/kube-apiserver.yaml", "/etc/kubernetes/kube-apiserver.yaml");
        Assert.True(moved.ExitCode == 0, moved.Describe("moving the kube-apiserver manifest away"));
        try
        {
            await LabCli.EventuallyAsync("kube-apiserver process gone from master-1", TimeSpan.FromSeconds(30), async () =>
            {
                var pgrep = await LabCli.ExecAsync(Master, PgrepHere[0], PgrepHere[1], PgrepHere[2]);
                return (pgrep.ExitCode == 1, pgrep.Stdout);
            });
            var refused = await LabCli.RunAsync(TimeSpan.FromSeconds(30), "kubectl", "get", "nodes");
            Assert.NotEqual(0, refused.ExitCode);
        }
        finally
        {
            await LabCli.ExecAsync(Master, "mv", "/etc/kubernetes/kube-apiserver.yaml", "/etc/kubernetes/manifests/kube-apiserver.yaml");
        }

        await LabCli.EventuallyAsync("all nodes Ready after the API server is back", NodeTransition, async () =>
        {
            var ready = await LabCli.NodeReadinessAsync();
            return (ready.Count == 3 && ready.Values.All(v => v == "True"), string.Join(' ', ready));
        });
        await LabCli.EventuallyAsync("mirror pod of the new kube-apiserver Running", TimeSpan.FromSeconds(30), async () =>
        {
            using var pod = await LabCli.KubectlJsonAsync("get", "pod", "-n", "kube-system", $"kube-apiserver-{Master}");
            var status = pod.RootElement.GetProperty("status");
            var ready = status.GetProperty("containerStatuses")[0].GetProperty("ready").GetBoolean();
            return (status.GetProperty("phase").GetString() == "Running" && ready, status.ToString());
        });
    }

    /// <summary>
    /// Seed 000: a kubelet.conf pointing at an API server that is not running makes the node
    /// NotReady after the grace period (the stand-in heartbeats through kubelet.conf); pointing it
    /// back makes it Ready. The kubelet is restarted through the supervisor, as KubeHa will.
    /// </summary>
    [LabFact]
    [Order(8)]
    public async Task WorkerKubeletConfAtStoppedApiServer_NotReadyAfterGrace_ReadyWhenRestored()
    {
        lab.RequireUp();
        const string Worker = "worker-2";
        await PointKubeletConfAsync(Worker, $"https://{LabCli.Ip(11)}:6443", $"https://{LabCli.Ip(11)}:6444");
        try
        {
            await WaitReadyAsync(Worker, expectReady: false);
            var others = await LabCli.NodeReadinessAsync();
            Assert.Equal("True", others[Master]);
            Assert.Equal("True", others["worker-1"]);
        }
        finally
        {
            await PointKubeletConfAsync(Worker, $"https://{LabCli.Ip(11)}:6444", $"https://{LabCli.Ip(11)}:6443");
        }

        await WaitReadyAsync(Worker, expectReady: true);
    }

    [LabFact]
    [Order(9)]
    public async Task WorkerLinkCut_NotReadyAfterGrace_ReadyWhenLinkBack()
    {
        lab.RequireUp();
        const string Worker = "worker-1";
        var cut = await LabCli.RunAsync(TimeSpan.FromSeconds(20), "kill", Worker, "--link");
        Assert.True(cut.ExitCode == 0, cut.Describe("kill --link"));
        try
        {
            await WaitReadyAsync(Worker, expectReady: false);
        }
        finally
        {
            await LabCli.RunAsync(TimeSpan.FromSeconds(20), "link", Worker, "up");
        }

        await WaitReadyAsync(Worker, expectReady: true);
    }

    [LabFact]
    [Order(10)]
    public async Task AddNode_FreshNode_StandInWaitsForBootstrapAndReachesMaster()
    {
        lab.RequireUp();
        var add = await LabCli.RunAsync(TimeSpan.FromMinutes(2), "add-node", "master-2");
        Assert.True(add.ExitCode == 0, add.Describe("add-node master-2"));

        Assert.Equal(0, (await LabCli.ExecAsync("master-2", "svc", "is-active", "kubelet")).ExitCode);
        Assert.Equal("master-2", (await LabCli.ExecAsync("master-2", "hostname")).Stdout.Trim());
        var kubernetes = await LabCli.ExecAsync("master-2", "ls", "-A", "/etc/kubernetes");
        Assert.Equal("manifests", kubernetes.Stdout.Trim());
        var healthz = await LabCli.ExecAsync("master-2", "curl", "-sk", $"https://{LabCli.Ip(11)}:6443/healthz");
        Assert.Equal("ok", healthz.Stdout);
        var hosts = await LabCli.ExecAsync(Master, "cat", "/etc/hosts");
        Assert.Contains($"{LabCli.Ip(14)} master-2", hosts.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("master-2", (await LabCli.NodeReadinessAsync()).Keys);
    }

    /// <summary>
    /// What KubeHa will do on the fresh node, with the real kubeadm: a second master joins with
    /// `kubeadm join --control-plane` (stand-in starting etcd mid-join, TLS bootstrap, Node) and
    /// stacked etcd has two started members.
    /// </summary>
    [LabFact]
    [Order(11)]
    public async Task AddedNode_KubeadmJoinControlPlane_SecondMasterReadyWithEtcdMember()
    {
        lab.RequireUp();
        var config = $"{LabCli.NodeDir(Master)}/kubeadm-ha.yaml";
        var init = await File.ReadAllTextAsync($"{LabCli.NodeDir(Master)}/kubeadm-init.yaml");
        await File.WriteAllTextAsync(config, init.Replace("kubernetesVersion: v1.20.2", $"kubernetesVersion: v1.20.2\ncontrolPlaneEndpoint: {LabCli.Ip(11)}:6443", StringComparison.Ordinal));
        await RequireOkAsync(Master, "kubeadm", "init", "phase", "upload-config", "kubeadm", "--config", config);
        var key = (await RequireOkAsync(Master, "kubeadm", "certs", "certificate-key")).Stdout.Trim();
        await RequireOkAsync(Master, "kubeadm", "init", "phase", "upload-certs", "--upload-certs", "--certificate-key", key, "--kubeconfig", "/etc/kubernetes/admin.conf");
        var join = (await RequireOkAsync(Master, "kubeadm", "token", "create", "--print-join-command", "--kubeconfig", "/etc/kubernetes/admin.conf")).Stdout.Trim();

        var joined = await LabCli.RunAsync(
            TimeSpan.FromMinutes(4),
            ["exec", "master-2", "--", .. join.Split(' ', StringSplitOptions.RemoveEmptyEntries),
             "--control-plane", "--certificate-key", key, "--apiserver-advertise-address", LabCli.Ip(14), "--ignore-preflight-errors=all"]);

        Assert.True(joined.ExitCode == 0, joined.Describe("kubeadm join --control-plane on master-2"));
        await WaitReadyAsync("master-2", expectReady: true);
        var members = await RequireOkAsync(
            Master,
            "etcdctl", "--endpoints", $"https://{LabCli.Ip(11)}:2379",
            "--cacert", "/etc/kubernetes/pki/etcd/ca.crt",
            "--cert", "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
            "--key", "/etc/kubernetes/pki/etcd/healthcheck-client.key",
            "member", "list");
        Assert.Contains($"started, master-2, https://{LabCli.Ip(14)}:2380", members.Stdout, StringComparison.Ordinal);
        Assert.Contains($"started, master-1, https://{LabCli.Ip(11)}:2380", members.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Restarting the kubelet leaves its static pods running, as with containers: the new stand-in adopts them.</summary>
    [LabFact]
    [Order(12)]
    public async Task KubeletRestarted_StaticPodsKeepRunning()
    {
        lab.RequireUp();
        var before = await RequireOkAsync(Master, PgrepHere[0], PgrepHere[1], PgrepHere[2]);

        await RequireOkAsync(Master, "svc", "restart", "kubelet");
        await Task.Delay(TimeSpan.FromSeconds(5));

        var after = await RequireOkAsync(Master, PgrepHere[0], PgrepHere[1], PgrepHere[2]);
        Assert.Equal(before.Stdout.Trim(), after.Stdout.Trim());
        var log = await File.ReadAllTextAsync($"{LabCli.NodeDir(Master)}/log/kubelet.log");
        Assert.Contains("adopted pod kube-apiserver", log, StringComparison.Ordinal);
    }

    [LabFact]
    [Order(100)]
    public async Task Down_LeavesNoNamespaceLinkMountOrProcess()
    {
        lab.RequireUp();
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles("/run/netns", LabCli.NetnsPrefix + "*"))
        {
            namespaces.Add(await ReadLinkAsync($"{file}"));
        }

        foreach (var node in (await LabCli.RunAsync(TimeSpan.FromSeconds(10), "nodes")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var net = await LabCli.ExecAsync(node, "readlink", "/proc/self/ns/net");
            var mnt = await LabCli.ExecAsync(node, "readlink", "/proc/self/ns/mnt");
            namespaces.Add(net.Stdout.Trim());
            namespaces.Add(mnt.Stdout.Trim());
        }

        Assert.True(namespaces.Count >= 8, $"expected the namespaces of 4 nodes, got {string.Join(' ', namespaces)}");
        var labPids = PidsIn(namespaces);
        Assert.NotEmpty(labPids);
        var labProcesses = labPids.Select(p => (Pid: p, Start: StartTicks(p))).Where(p => p.Start is not null).ToList();

        var down = await LabCli.RunAsync(TimeSpan.FromMinutes(2), "down");
        Assert.True(down.ExitCode == 0, down.Describe("kubeha-lab down"));

        var netns = await LabCli.RunProgramAsync("ip", TimeSpan.FromSeconds(10), "netns", "list");
        Assert.DoesNotContain(LabCli.NetnsPrefix, netns.Stdout, StringComparison.Ordinal);
        var links = await LabCli.RunProgramAsync("ip", TimeSpan.FromSeconds(10), "-o", "link", "show");
        Assert.DoesNotContain($"kubehabr{LabCli.Id}:", links.Stdout, StringComparison.Ordinal);
        Assert.DoesNotMatch($@"\d+: khv{LabCli.Id}x\d+", links.Stdout);
        var mounts = await File.ReadAllTextAsync("/proc/mounts");
        Assert.DoesNotContain($"{LabCli.RunDir} ", mounts, StringComparison.Ordinal);
        Assert.DoesNotContain("/run/netns/" + LabCli.NetnsPrefix, mounts, StringComparison.Ordinal);
        Assert.DoesNotContain("kubeha-lab-run", mounts, StringComparison.Ordinal);
        Assert.Empty(PidsIn(namespaces));
        // A killed process may linger a moment as a zombie until pid 1 reaps it: that is gone.
        Assert.DoesNotContain(labProcesses, p => StartTicks(p.Pid) == p.Start && !IsZombie(p.Pid));
        // The lab subnet's prefix as a regex ("10\.77\.4\."); "--" so pgrep does not take the pattern for an option.
        var subnet = System.Text.RegularExpressions.Regex.Escape(LabCli.Ip(1)[..^1]);
        var pgrep = await LabCli.RunProgramAsync("pgrep", TimeSpan.FromSeconds(10), "-f", "--", $"node-ip {subnet}|advertise-address={subnet}");
        Assert.True(pgrep.ExitCode == 1, $"lab processes left (pgrep exit {pgrep.ExitCode}): {pgrep.Stdout}{pgrep.Stderr}");
    }

    /// <summary>
    /// pgrep for kube-apiserver limited to the node's network namespace: the lab has no pid
    /// namespace, so a plain pgrep would also see other labs' (and the host's) processes.
    /// </summary>
    private static readonly string[] PgrepHere = ["sh", "-c", "exec pgrep --nslist net --ns $$ -x kube-apiserver"];

    private static async Task<LabCli.Result> RequireOkAsync(string node, params string[] args)
    {
        var result = await LabCli.ExecAsync(node, args);
        Assert.True(result.ExitCode == 0, result.Describe($"{node}: {args[0]} {args[1]}"));
        return result;
    }

    private static async Task PointKubeletConfAsync(string node, string from, string to)
    {
        var edit = await LabCli.ExecAsync(node, "sed", "-i", $"s#server: {from}#server: {to}#", "/etc/kubernetes/kubelet.conf");
        Assert.True(edit.ExitCode == 0, edit.Describe("editing kubelet.conf"));
        var restart = await LabCli.ExecAsync(node, "svc", "restart", "kubelet");
        Assert.True(restart.ExitCode == 0, restart.Describe("svc restart kubelet"));
    }

    private static Task WaitReadyAsync(string node, bool expectReady) =>
        LabCli.EventuallyAsync($"{node} {(expectReady ? "Ready" : "NotReady")}", NodeTransition, async () =>
        {
            var ready = await LabCli.NodeReadinessAsync();
            var status = ready.GetValueOrDefault(node, "missing");
            return (expectReady ? status == "True" : status is "Unknown" or "False", string.Join(' ', ready));
        });

    private static async Task<string> ReadLinkAsync(string nsFile)
    {
        var stat = await LabCli.RunProgramAsync("stat", TimeSpan.FromSeconds(10), "-Lc", "%i", nsFile);
        return $"net:[{stat.Stdout.Trim()}]";
    }

    /// <summary>Field 22 of /proc/PID/stat: tells a process from a later one with the same pid.</summary>
    private static string? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static List<int> PidsIn(HashSet<string> namespaces)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            foreach (var kind in new[] { "net", "mnt" })
            {
                try
                {
                    if (new FileInfo($"{dir}/ns/{kind}").LinkTarget is { } target && namespaces.Contains(target))
                    {
                        pids.Add(pid);
                        break;
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }

        return pids;
    }
}
