namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// Writes a step's <see cref="FieldChange"/>s forward (Before to After) or back (After to
/// Before). Every object is read and checked first: a field holding neither value was
/// changed by someone else, and then nothing is written at all. Each object is written once
/// with the resourceVersion it was read at; forward progress is recorded in the backup file
/// after each write, so a resumed step knows what it already did.
/// </summary>
internal sealed class FieldChangeApplier(ClusterObjects objects, StepBackupStore store)
{
    /// <returns>The objects written, as "Kind ns/name".</returns>
    public async Task<List<string>> ForwardAsync(StepBackup backup, CancellationToken cancellationToken)
    {
        var changes = backup.Changes.ToList();
        var work = await ReadAndCheckAsync(changes, forward: true, store.PathOf(backup.RunId, backup.StepId), cancellationToken).ConfigureAwait(false);
        var written = new List<string>();
        foreach (var (key, obj, indexes) in work)
        {
            foreach (var i in indexes)
            {
                obj.Set(changes[i].Field, changes[i].After);
            }

            if (indexes.Count > 0)
            {
                await objects.ReplaceAsync(obj, cancellationToken).ConfigureAwait(false);
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
        var work = await ReadAndCheckAsync(changes, forward: false, store.PathOf(backup.RunId, backup.StepId), cancellationToken).ConfigureAwait(false);
        var written = new List<string>();
        foreach (var (key, obj, indexes) in Enumerable.Reverse(work).Where(w => w.Pending.Count > 0))
        {
            foreach (var i in indexes)
            {
                obj.Set(changes[i].Field, changes[i].Before);
            }

            await objects.ReplaceAsync(obj, cancellationToken).ConfigureAwait(false);
            written.Add(key);
        }

        return written;
    }

    private async Task<List<(string Key, KubeObject Obj, List<int> Pending)>> ReadAndCheckAsync(List<FieldChange> changes, bool forward, string backupPath, CancellationToken cancellationToken)
    {
        var work = new List<(string, KubeObject, List<int>)>();
        var conflicts = new List<string>();
        foreach (var group in changes.Index().GroupBy(c => c.Item.Object, StringComparer.Ordinal))
        {
            var first = group.First().Item;
            var obj = await objects.ReadAsync(first.Kind, first.Namespace, first.Name, cancellationToken).ConfigureAwait(false);
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

            work.Add((group.Key, obj, pending));
        }

        if (conflicts.Count > 0)
        {
            throw new ClusterConflictException($"conflict: {string.Join("; ", conflicts)}; nothing was written");
        }

        return work;
    }
}
