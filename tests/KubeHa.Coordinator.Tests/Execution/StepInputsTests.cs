using KubeHa.Coordinator.Execution;
using KubeHa.Coordinator.Planning;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Execution;

[Trait(Categories.Name, Categories.Unit)]
public sealed class StepInputsTests
{
    [Fact]
    public void Apply_JoinWithMaterial_FillsTheCopyAndLeavesThePlannedSpecWithoutSecrets()
    {
        var planned = NodeSpecs.Join("api.k8s.local:8443", "master-2", "10.0.0.12", ["all"]);
        var material = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["token"] = "abcdef.0123456789abcdef",
            ["certificate_key"] = "k3y",
            ["ca_cert_hash"] = "sha256:" + new string('a', 64),
        };

        var sent = StepInputs.Apply(planned, material);

        Assert.Equal("abcdef.0123456789abcdef", sent.KubeadmJoin.Token);
        Assert.Equal("k3y", sent.KubeadmJoin.CertificateKey);
        Assert.Equal(["sha256:" + new string('a', 64)], sent.KubeadmJoin.CaCertHashes);
        Assert.Equal("api.k8s.local:8443", sent.KubeadmJoin.ApiServerEndpoint);
        Assert.Empty(planned.KubeadmJoin.Token);
        Assert.Empty(planned.KubeadmJoin.CertificateKey);
        Assert.Empty(planned.KubeadmJoin.CaCertHashes);
    }

    [Fact]
    public void RollbackOrder_CertThenRestartThenKubeconfig_RestoresFilesFirstThenRestartsInPlanOrder()
    {
        static PlannedStep Step(string id, StepSpec spec) => new() { Id = id, Node = "m", Agent = spec };
        // Plan order: cert, restart apiserver, kubeconfig, restart kubelet. Newest first:
        var newestFirst = new[]
        {
            Step("kubelet-restart", NodeSpecs.Service("kubelet", ServiceOperation.Restart)),
            Step("kubeconfig", Specs.Kubeconfigs("https://e:8443", [("/etc/kubernetes/kubelet.conf", true)])),
            Step("apiserver-restart", NodeSpecs.RestartStaticPod("kube-apiserver", "10.0.0.11")),
            Step("cert", Specs.ApiServerCertificate(["e"])),
        };

        var order = StepInputs.RollbackOrder(newestFirst).Select(s => s.Id);

        Assert.Equal(["kubeconfig", "cert", "apiserver-restart", "kubelet-restart"], order);
    }
}
