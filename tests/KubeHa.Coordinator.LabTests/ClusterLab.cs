using System.Diagnostics;
using k8s;
using KubeHa.Coordinator.Cluster;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Coordinator.LabTests;

/// <summary>
/// One lab (id 3) for the whole collection: `kubeha-lab down` (a clean slate), `up --workers 2`,
/// and `down` at the end. Gives a Kubernetes client and a cluster step runner on the lab's
/// admin kubeconfig (server https://10.77.3.11:6443, reached through the lab bridge).
/// </summary>
public sealed class ClusterLab : IAsyncLifetime
{
    private readonly TempDir _state = new("kubeha-cluster-lab");

    public LabCli.Result? Up { get; private set; }

    public TimeSpan UpDuration { get; private set; }

    public Kubernetes Client { get; private set; } = null!;

    public KubernetesClusterStepRunner Runner { get; private set; } = null!;

    public string StateDir => _state.Path;

    public async Task InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        var down = await LabCli.RunAsync(TimeSpan.FromMinutes(2), "down");
        if (down.ExitCode != 0)
        {
            throw new InvalidOperationException(down.Describe("kubeha-lab down before up"));
        }

        var watch = Stopwatch.StartNew();
        Up = await LabCli.RunAsync(TimeSpan.FromMinutes(6), "up", "--workers", "2");
        UpDuration = watch.Elapsed;
        if (Up.ExitCode == 0)
        {
            Client = ClusterConnection.Client(LabCli.AdminConf);
            Runner = KubernetesClusterStepRunner.FromKubeconfig(LabCli.AdminConf, StateDir, TimeProvider.System);
        }
    }

    public async Task DisposeAsync()
    {
        Runner?.Dispose();
        Client?.Dispose();
        _state.Dispose();
        if (Environment.IsPrivilegedProcess)
        {
            await LabCli.RunAsync(TimeSpan.FromMinutes(2), "down");
        }
    }

    /// <summary>Fails the calling test with up's output when the lab did not come up.</summary>
    public void RequireUp()
    {
        Assert.NotNull(Up);
        Assert.True(Up.ExitCode == 0, Up.Describe("kubeha-lab up"));
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterLabGroup : ICollectionFixture<ClusterLab>
{
    public const string Name = "cluster-lab";
}
