using k8s;
using k8s.Models;
using KubeHa.Lab.Kubelet;
using KubeHa.TestSupport;

namespace KubeHa.Lab.Tests.Kubelet;

[Trait(Categories.Name, Categories.Unit)]
public sealed class StandInTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: kube-scheduler
          namespace: kube-system
          labels:
            component: kube-scheduler
        spec:
          hostNetwork: true
          containers:
          - name: kube-scheduler
            image: k8s.gcr.io/kube-scheduler:v1.20.2
            command:
            - kube-scheduler
            - --kubeconfig=/etc/kubernetes/scheduler.conf
            env:
            - name: A
              value: b
        """;

    [Fact]
    public void Parse_UnknownOptionAndBadValues_ReportsEveryError()
    {
        StandInOptions.Parse(["--bogus", "x", "--healthz-port", "99999", "--node-ip", "not-an-ip"], out var errors);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("unknown option --bogus", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--healthz-port 99999", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--node-ip not-an-ip", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_NodeNameAndIp_Kept()
    {
        var options = StandInOptions.Parse(["--node-name", "worker-9", "--node-ip", "10.77.0.99"], out var errors);

        Assert.Empty(errors);
        Assert.Equal("worker-9", options.NodeName);
        Assert.Equal("10.77.0.99", options.NodeIp);
        Assert.Equal("/etc/kubernetes/kubelet.conf", options.Kubeconfig);
    }

    [Fact]
    public void Read_KubeadmManifest_PodWithCommandAndStableHash()
    {
        using var dir = new TempDir();
        var file = dir.Combine("kube-scheduler.yaml");
        File.WriteAllText(file, Manifest);

        var pod = StaticPod.Read(file, out var problem);
        var again = StaticPod.Read(file, out _);
        File.AppendAllText(file, "\n  priorityClassName: system-node-critical\n");
        var changed = StaticPod.Read(file, out _);

        Assert.Null(problem);
        Assert.NotNull(pod);
        Assert.Equal("kube-system", pod.Namespace);
        Assert.Equal("kube-scheduler", pod.Name);
        Assert.Equal(["kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf"], pod.Pod.Spec.Containers[0].Command);
        Assert.Equal(pod.Hash, again!.Hash);
        Assert.NotEqual(pod.Hash, changed!.Hash);
    }

    [Fact]
    public void Read_ContainerWithoutCommand_RejectedWithReason()
    {
        using var dir = new TempDir();
        var file = dir.Combine("image-only.yaml");
        File.WriteAllText(file, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: nginx\n");

        var pod = StaticPod.Read(file, out var problem);

        Assert.Null(pod);
        Assert.Contains("container c has no command", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void KubeletConf_AsKubeletWritesIt_LoadsWithServerAndCertificateFile()
    {
        using var dir = new TempDir();
        var file = dir.Combine("kubelet.conf");
        File.WriteAllText(file, TlsBootstrapper.KubeletConf("https://10.77.0.11:6443", "Y2E=", "/var/lib/kubelet/pki/kubelet-client-current.pem"));

        var config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file));

        Assert.Equal("https://10.77.0.11:6443", config.Clusters.Single().ClusterEndpoint.Server);
        Assert.Equal("Y2E=", config.Clusters.Single().ClusterEndpoint.CertificateAuthorityData);
        Assert.Equal("/var/lib/kubelet/pki/kubelet-client-current.pem", config.Users.Single().UserCredentials.ClientCertificate);
        Assert.Equal("default-context", config.CurrentContext);
    }

    [Fact]
    public async Task ContainerProcess_StartThenStop_RunsWithEnvAndLogsThenEnds()
    {
        using var dir = new TempDir();
        var log = dir.Combine("logs", "c.log");
        var container = new V1Container
        {
            Name = "c",
            Command = ["/bin/sh", "-c"],
            Args = ["echo \"value=$A\"; exec sleep 30"],
            Env = [new V1EnvVar { Name = "A", Value = "b" }],
        };

        var process = ContainerProcess.Start(container, log, DateTimeOffset.UnixEpoch);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.True(process.IsAlive());
        Assert.Null(ContainerProcess.Adopt("c", process.Pid, "1", DateTimeOffset.UnixEpoch));
        Assert.NotNull(ContainerProcess.Adopt("c", process.Pid, process.StartTicks, DateTimeOffset.UnixEpoch));

        await process.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.False(process.IsAlive());
        Assert.Contains("value=b", File.ReadAllText(log), StringComparison.Ordinal);
    }
}
