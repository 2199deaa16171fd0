using System.Diagnostics;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Lab.Tests.Cluster;

/// <summary>
/// One lab for the whole collection: `kubeha-lab down` (a clean slate, also after a crashed
/// run), then `kubeha-lab up --workers 2`; `down` again at the end.
/// </summary>
public sealed class LabFixture : IAsyncLifetime
{
    public const string Master = "master-1";
    public static readonly string[] Workers = ["worker-1", "worker-2"];

    public TimeSpan UpDuration { get; private set; }

    public LabCli.Result? Up { get; private set; }

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
        Up = await LabCli.RunAsync(TimeSpan.FromMinutes(6), "up", "--workers", Workers.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        UpDuration = watch.Elapsed;
    }

    public async Task DisposeAsync()
    {
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
public sealed class LabGroup : ICollectionFixture<LabFixture>
{
    public const string Name = "lab";
}
