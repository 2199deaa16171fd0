namespace KubeHa.Agent.Drift;

/// <summary>
/// inotify watches on the directories of the checked files (a directory watch also sees a file
/// replaced by rename, as atomic writes do). Calls back on any event about a watched file.
/// </summary>
internal sealed class DriftWatcher(Action changed) : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Lock _gate = new();
    private IReadOnlySet<string> _paths = new HashSet<string>();

    public int Directories
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public void Watch(IReadOnlySet<string> paths)
    {
        var dirs = paths.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal).Where(Directory.Exists).ToList();
        lock (_gate)
        {
            _paths = paths;
            // After a step the set of files usually changes but not their directories: keep the
            // inotify watches then, instead of closing and opening one per directory again.
            if (dirs.Count == _watchers.Count && _watchers.All(w => dirs.Contains(w.Path, StringComparer.Ordinal)))
            {
                return;
            }

            DisposeWatchers();
            foreach (var dir in dirs)
            {
                var watcher = new FileSystemWatcher(dir)
                {
                    IncludeSubdirectories = false,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Attributes | NotifyFilters.Size | NotifyFilters.CreationTime,
                };
                watcher.Changed += OnEvent;
                watcher.Created += OnEvent;
                watcher.Deleted += OnEvent;
                watcher.Renamed += (_, e) =>
                {
                    if (_paths.Contains(e.FullPath) || _paths.Contains(e.OldFullPath))
                    {
                        changed();
                    }
                };
                watcher.Error += (_, _) => changed();
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
        }
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        if (_paths.Contains(e.FullPath))
        {
            changed();
        }
    }

    private void DisposeWatchers()
    {
        foreach (var w in _watchers)
        {
            w.Dispose();
        }

        _watchers.Clear();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            DisposeWatchers();
        }
    }
}
