using KubeHa.Agent.Drift;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>The inotify watches (real FileSystemWatchers on a temporary directory).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftWatcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kubeha-watch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Watch_SameDirectoriesNewFiles_KeepsTheWatchesAndSeesTheNewFile()
    {
        var a = Path.Combine(_dir, "a.conf");
        var b = Path.Combine(_dir, "b.conf");
        var changed = new SemaphoreSlim(0);
        using var watcher = new DriftWatcher(() => changed.Release());
        watcher.Watch(new HashSet<string> { a });
        Assert.Equal(1, watcher.Directories);

        watcher.Watch(new HashSet<string> { a, b });
        Assert.Equal(1, watcher.Directories);
        await File.WriteAllTextAsync(b, "edited");
        Assert.True(await changed.WaitAsync(TimeSpan.FromSeconds(10)), "no event for a file added to an already watched directory");
    }

    [Fact]
    public async Task Watch_FileNoLongerListed_IgnoresItsEvents()
    {
        var a = Path.Combine(_dir, "a.conf");
        var b = Path.Combine(_dir, "b.conf");
        var changed = new SemaphoreSlim(0);
        using var watcher = new DriftWatcher(() => changed.Release());
        watcher.Watch(new HashSet<string> { a, b });
        watcher.Watch(new HashSet<string> { a });

        await File.WriteAllTextAsync(b, "not watched any more");
        Assert.False(await changed.WaitAsync(TimeSpan.FromMilliseconds(500)), "an event for a file that is no longer listed");
        await File.WriteAllTextAsync(a, "watched");
        Assert.True(await changed.WaitAsync(TimeSpan.FromSeconds(10)), "no event for the watched file");
    }

    [Fact]
    public async Task Watch_NewDirectory_AddsAWatch()
    {
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        var changed = new SemaphoreSlim(0);
        using var watcher = new DriftWatcher(() => changed.Release());
        watcher.Watch(new HashSet<string> { Path.Combine(_dir, "a.conf") });
        watcher.Watch(new HashSet<string> { Path.Combine(_dir, "a.conf"), Path.Combine(sub, "etcd.yaml") });
        Assert.Equal(2, watcher.Directories);

        await File.WriteAllTextAsync(Path.Combine(sub, "etcd.yaml"), "x");
        Assert.True(await changed.WaitAsync(TimeSpan.FromSeconds(10)), "no event in the newly watched directory");
    }
}
