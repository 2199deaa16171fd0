using KubeHa.Agent.Configuration;
using KubeHa.Agent.Drift;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Drift;

[Trait(Categories.Name, Categories.Unit)]
public sealed class DesiredStateStoreTests : IDisposable
{
    private readonly TempDir _dir = new("kubeha-desired");

    public void Dispose() => _dir.Dispose();

    private DesiredStateStore NewStore() => new(new AgentOptions
    {
        NodeName = "node-1",
        CaFile = "unused",
        CertFile = "unused",
        KeyFile = "unused",
        StateDir = _dir.Combine("state"),
        AllowedRoots = [_dir.Path],
    });

    private string StateFile => _dir.Combine("state", "drift", "desired.pb");

    [Fact]
    public void Update_ChangeLeavesStateAsItWas_NothingWrittenNoEvent()
    {
        var store = NewStore();
        store.Update(s => s.Endpoint = "https://api.k8s.local:8443");
        var written = File.GetLastWriteTimeUtc(StateFile);
        File.SetLastWriteTimeUtc(StateFile, written.AddDays(-1));
        var events = 0;
        store.Changed += () => events++;

        store.Update(s => s.Endpoint = "https://api.k8s.local:8443");

        Assert.Equal(0, events);
        Assert.Equal(written.AddDays(-1), File.GetLastWriteTimeUtc(StateFile));
    }

    [Fact]
    public void Update_RealChange_DurableAndEventRaised()
    {
        var store = NewStore();
        var events = 0;
        store.Changed += () => events++;

        store.Update(s => s.Endpoint = "https://api.k8s.local:8443");

        Assert.Equal(1, events);
        Assert.Equal("https://api.k8s.local:8443", NewStore().Snapshot().Endpoint);
    }
}
