namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// Writes a step's <see cref="FieldChange"/>s forward (Before to After) or back (After to
/// Before). Every object is read and checked first: a field holding neither value was
/// changed by someone else, and then nothing is written at all. Each object is written with
/// the resourceVersion it was read at; when that write conflicts (the object changed in
/// between, often only its status, as a DaemonSet's during a rollout) it is read and checked
/// again and the write retried, a few times at most. Forward progress is recorded in the
/// backup file after each object, so a resumed step knows what it already did.
/// </summary>
internal sealed class FieldChangeApplier(ClusterObjects objects, StepBackupStore store)
{
    private const int Attempts = 5;

    /// <returns>The objects written, as "Kind ns/name".</returns>
    public async Task<List<string>> ForwardAsync(StepBackup backup, CancellationToken cancellationToken)
    {
        var changes = backup.Changes.ToList();
        var path = store.PathOf(backup.RunId, backup.StepId);
        var work = await ReadAndCheckAsync(changes, forward: true, path, cancellationToken).ConfigureAwait(false);
        var written = new List<string>();
        foreach (var (key, obj) in work)
        {
            if (await WriteAsync(key, obj, changes, forward: true, path, cancellationToken).ConfigureAwait(false))
            {
                written.Add(key);
            }

            foreach (var i in changes.Index().Where(c => c.Item.Object == key).Select(c => c.Index).ToList())
            {
                changes[i] = changes[i] with { Applied = true };
            }

            store.Save(backup with { Changes = changes });
        }

        return written;
    }

    /// <returns>The objects written, as "Kind ns/name".</returns>
    public async Task<List<string>> RollbackAsync(StepBackup backup, CancellationToken cancellationToken)
    {
        var changes = backup.Changes.ToList();
        var path = store.PathOf(backup.RunId, backup.StepId);
        var work = await ReadAndCheckAsync(changes, forward: false, path, cancellationToken).ConfigureAwait(false);
        var written = new List<string>();
        foreach (var (key, obj) in Enumerable.Reverse(work))
        {
            if (await WriteAsync(key, obj, changes, forward: false, path, cancellationToken).ConfigureAwait(false))
            {
                written.Add(key);
            }
        }

        return written;
    }

    private async Task<bool> WriteAsync(string key, KubeObject obj, List<FieldChange> changes, bool forward, string backupPath, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var conflicts = new List<string>();
            var pending = Pending(obj, changes.Index().Where(c => c.Item.Object == key), forward, backupPath, conflicts);
            if (conflicts.Count > 0)
            {
                throw new ClusterConflictException($"conflict: {string.Join("; ", conflicts)}; nothing was written to it");
            }

            if (pending.Count == 0)
            {
                return false;
            }

            foreach (var i in pending)
            {
                obj.Set(changes[i].Field, forward ? changes[i].After : changes[i].Before);
            }

            try
            {
                await objects.ReplaceAsync(obj, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (ClusterConflictException) when (attempt < Attempts)
            {
                var first = changes[pending[0]];
                obj = await objects.ReadAsync(first.Kind, first.Namespace, first.Name, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<List<(string Key, KubeObject Obj)>> ReadAndCheckAsync(List<FieldChange> changes, bool forward, string backupPath, CancellationToken cancellationToken)
    {
        var work = new List<(string, KubeObject)>();
        var conflicts = new List<string>();
        foreach (var group in changes.Index().GroupBy(c => c.Item.Object, StringComparer.Ordinal))
        {
            var first = group.First().Item;
            var obj = await objects.ReadAsync(first.Kind, first.Namespace, first.Name, cancellationToken).ConfigureAwait(false);
            Pending(obj, group, forward, backupPath, conflicts);
            work.Add((group.Key, obj));
        }

        if (conflicts.Count > 0)
        {
            throw new ClusterConflictException($"conflict: {string.Join("; ", conflicts)}; nothing was written");
        }

        return work;
    }

    /// <summary>Indexes of the changes still to write on <paramref name="obj"/>; fields holding something else go to <paramref name="conflicts"/>.</summary>
    private static List<int> Pending(KubeObject obj, IEnumerable<(int Index, FieldChange Item)> group, bool forward, string backupPath, List<string> conflicts)
    {
        var pending = new List<int>();
        foreach (var (index, change) in group)
        {
            var current = obj.Get(change.Field);
            var (from, to) = forward ? (change.Before, change.After) : (change.After, change.Before);
            if (change.Same(current, to))
            {
                continue;
            }

            if (change.Same(current, from))
            {
                pending.Add(index);
                continue;
            }

            conflicts.Add(forward
                ? $"{change.Object} {change.Field} holds neither what this step found nor what it writes (changed by someone else; resourceVersion now {obj.ResourceVersion})"
                : $"{change.Object} {change.Field} was changed by someone else after this step wrote it (resourceVersion now {obj.ResourceVersion}); the value to restore is saved in {backupPath}");
        }

        return pending;
    }
}
