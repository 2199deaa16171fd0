using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Coordinator.Cluster;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.LabTests.Cluster;

/// <summary>The wait/gate steps against the lab: nodes Ready and the API server's /readyz verified against the cluster CA.</summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class GateLabTests(ClusterLab lab)
{
    [LabFact]
    public async Task NodesReady_AllAndNamed_Succeed()
    {
        lab.RequireUp();

        var all = await lab.Runner.RunAsync("gates", Steps.Cluster("g1", new ClusterStep { NodesReady = new NodesReadyGate { TimeoutSeconds = 30 } }), default);
        var named = await lab.Runner.RunAsync("gates", Steps.Cluster("g2", new ClusterStep { NodesReady = new NodesReadyGate { Nodes = { "master-1", "worker-2" }, TimeoutSeconds = 30 } }), default);

        Assert.True(all.Succeeded, all.Reason);
        Assert.True(named.Succeeded, named.Reason);
    }

    [LabFact]
    public async Task NodesReady_UnknownNode_FailsAfterTimeoutNamingIt()
    {
        lab.RequireUp();

        var gate = await lab.Runner.RunAsync("gates", Steps.Cluster("g3", new ClusterStep { NodesReady = new NodesReadyGate { Nodes = { "worker-1", "master-9" }, TimeoutSeconds = 2 } }), default);

        Assert.False(gate.Succeeded);
        Assert.Equal("nodes not Ready after 2 s: master-9 (not registered)", gate.Reason);
    }

    [LabFact]
    public async Task ApiReady_LabApiServer_VerifiedAgainstClusterCa()
    {
        lab.RequireUp();

        var gate = await lab.Runner.RunAsync("gates", Steps.Cluster("g4", new ClusterStep { ApiReady = new ApiReadyGate { Server = "https://10.77.3.11:6443", TimeoutSeconds = 20 } }), default);

        Assert.True(gate.Succeeded, gate.Reason);
        Assert.Equal("https://10.77.3.11:6443/readyz ok", gate.Reason);
    }

    [LabFact]
    public async Task ApiReady_AnotherCa_FailsSayingTheCertificateDoesNotVerify()
    {
        lab.RequireUp();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = new CertificateRequest("CN=not-the-cluster-ca", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var runner = new KubernetesClusterStepRunner(lab.Client, lab.StateDir, TimeProvider.System, [otherCa]);

        var gate = await runner.RunAsync("gates", Steps.Cluster("g5", new ClusterStep { ApiReady = new ApiReadyGate { Server = "https://10.77.3.11:6443", TimeoutSeconds = 1 } }), default);

        Assert.False(gate.Succeeded);
        Assert.Contains("https://10.77.3.11:6443/readyz not ready after 1 s: the server's certificate (CN=kube-apiserver) does not verify against the cluster CA", gate.Reason, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task ApiReady_NothingListening_FailsAfterTimeout()
    {
        lab.RequireUp();

        var gate = await lab.Runner.RunAsync("gates", Steps.Cluster("g6", new ClusterStep { ApiReady = new ApiReadyGate { Server = "https://10.77.3.11:6444", TimeoutSeconds = 2 } }), default);

        Assert.False(gate.Succeeded);
        Assert.StartsWith("api_ready: https://10.77.3.11:6444/readyz not ready after 2 s: Connection refused", gate.Reason, StringComparison.Ordinal);
    }
}
