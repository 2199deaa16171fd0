using KubeHa.Agent.Drift;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>The inotify watches (real FileSystemWatchers on a temporary directory).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftWatcherTests : IDisposable
{
    private readonly TempDir _dir = new("kubeha-watch");
    private readonly SemaphoreSlim _changed = new(0);
    private readonly DriftWatcher _watcher;

    public DriftWatcherTests() => _watcher = new DriftWatcher(() => _changed.Release());

    public void Dispose()
    {
        _watcher.Dispose();
        _changed.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Watch_SameDirectoriesNewFiles_KeepsTheWatchesAndSeesTheNewFile()
    {
        var a = _dir.Combine("a.conf");
        var b = _dir.Combine("b.conf");
        _watcher.Watch(new HashSet<string> { a });
        Assert.Equal(1, _watcher.Directories);

        _watcher.Watch(new HashSet<string> { a, b });
        Assert.Equal(1, _watcher.Directories);
        await File.WriteAllTextAsync(b, "edited");
        Assert.True(await _changed.WaitAsync(TimeSpan.FromSeconds(10)), "no event for a file added to an already watched directory");
    }

    [Fact]
    public async Task Watch_FileNoLongerListed_IgnoresItsEvents()
    {
        var a = _dir.Combine("a.conf");
        var b = _dir.Combine("b.conf");
        _watcher.Watch(new HashSet<string> { a, b });
        _watcher.Watch(new HashSet<string> { a });

        await File.WriteAllTextAsync(b, "not watched any more");
        Assert.False(await _changed.WaitAsync(TimeSpan.FromMilliseconds(500)), "an event for a file that is no longer listed");
        await File.WriteAllTextAsync(a, "watched");
        Assert.True(await _changed.WaitAsync(TimeSpan.FromSeconds(10)), "no event for the watched file");
    }

    [Fact]
    public async Task Watch_NewDirectory_AddsAWatch()
    {
        var sub = Directory.CreateDirectory(_dir.Combine("manifests")).FullName;
        _watcher.Watch(new HashSet<string> { _dir.Combine("a.conf") });
        _watcher.Watch(new HashSet<string> { _dir.Combine("a.conf"), Path.Combine(sub, "etcd.yaml") });
        Assert.Equal(2, _watcher.Directories);

        await File.WriteAllTextAsync(Path.Combine(sub, "etcd.yaml"), "x");
        Assert.True(await _changed.WaitAsync(TimeSpan.FromSeconds(10)), "no event in the newly watched directory");
    }
}
