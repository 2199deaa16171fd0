using System.Globalization;

namespace KubeHa.Lab.Kubelet;

/// <summary>What the API side needs to know about one running static pod.</summary>
internal sealed record PodView(StaticPod Pod, DateTimeOffset StartedAt, IReadOnlyList<ContainerView> Containers);

internal sealed record ContainerView(string Name, bool Running, int RestartCount, DateTimeOffset StartedAt, int Pid);

/// <summary>
/// Runs the static pods of the manifest directory as processes, as the kubelet runs their
/// containers: starts a pod when its manifest appears, stops it when the manifest goes, restarts
/// it when the manifest changes, and restarts a container that exits (with a short backoff).
/// Processes survive a restart of the stand-in; the next run adopts them from the state directory.
/// </summary>
internal sealed class StaticPodRunner(StandInOptions options, TimeProvider time, Log log)
{
    private static readonly TimeSpan MaxGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, RunningPod> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _badFiles = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IReadOnlyList<PodView> Snapshot()
    {
        lock (_gate)
        {
            return [.. _pods.Values.Select(p => p.View())];
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await AdoptAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(cancellationToken).ConfigureAwait(false);
                log.Recovered("manifests");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                log.Error("manifests", e.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var files = Directory.Exists(options.ManifestDir)
            ? Directory.GetFiles(options.ManifestDir).Where(f => !System.IO.Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : [];

        foreach (var gone in _pods.Keys.Except(files, StringComparer.Ordinal).ToList())
        {
            log.Info($"manifest {gone} removed: stopping pod {_pods[gone].Pod.Name}");
            await StopPodAsync(gone, cancellationToken).ConfigureAwait(false);
        }

        foreach (var file in files)
        {
            var pod = StaticPod.Read(file, out var problem);
            if (pod is null)
            {
                if (!_badFiles.TryGetValue(file, out var known) || known != problem)
                {
                    log.Warn($"ignoring manifest: {problem}");
                    _badFiles[file] = problem!;
                }

                continue;
            }

            _badFiles.Remove(file);
            if (_pods.TryGetValue(file, out var running))
            {
                if (running.Pod.Hash == pod.Hash)
                {
                    RestartExited(running);
                    continue;
                }

                log.Info($"manifest {file} changed: restarting pod {pod.Name}");
                await StopPodAsync(file, cancellationToken).ConfigureAwait(false);
            }

            StartPod(pod);
        }
    }

    private void StartPod(StaticPod pod)
    {
        var now = time.GetUtcNow();
        var running = new RunningPod(pod, now);
        foreach (var container in pod.Pod.Spec.Containers)
        {
            running.Containers[container.Name] = new ContainerSlot(container);
        }

        lock (_gate)
        {
            _pods[pod.File] = running;
        }

        foreach (var slot in running.Containers.Values)
        {
            StartContainer(running, slot);
        }

        log.Info($"started pod {pod.Namespace}/{pod.Name} from {pod.File} ({string.Join(", ", running.Containers.Values.Select(s => $"{s.Spec.Name} pid {s.Process?.Pid}"))})");
        SaveState(running);
    }

    private void StartContainer(RunningPod pod, ContainerSlot slot)
    {
        var logFile = System.IO.Path.Combine(options.PodLogDir, $"{pod.Pod.Namespace}_{pod.Pod.Name}", $"{slot.Spec.Name}.log");
        try
        {
            var process = ContainerProcess.Start(slot.Spec, logFile, time.GetUtcNow());
            lock (_gate)
            {
                slot.Process = process;
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Error($"pod {pod.Pod.Name}", $"container {slot.Spec.Name}: cannot start {slot.Spec.Command[0]}: {e.Message}");
        }
    }

    private void RestartExited(RunningPod pod)
    {
        var now = time.GetUtcNow();
        var changed = false;
        foreach (var slot in pod.Containers.Values)
        {
            if (slot.Process is { } p && p.IsAlive())
            {
                continue;
            }

            if (slot.NextStart is null)
            {
                var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(slot.Restarts, 4))));
                slot.NextStart = now + backoff;
                log.Warn($"pod {pod.Pod.Name} container {slot.Spec.Name} exited (code {slot.Process?.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}); restarting in {backoff.TotalSeconds:0}s, see {options.PodLogDir}");
                continue;
            }

            if (now < slot.NextStart)
            {
                continue;
            }

            slot.NextStart = null;
            lock (_gate)
            {
                slot.Restarts++;
            }

            StartContainer(pod, slot);
            changed = true;
        }

        if (changed)
        {
            SaveState(pod);
        }
    }

    private async Task StopPodAsync(string file, CancellationToken cancellationToken)
    {
        var pod = _pods[file];
        var grace = TimeSpan.FromSeconds(Math.Min(MaxGrace.TotalSeconds, pod.Pod.Pod.Spec.TerminationGracePeriodSeconds ?? 30));
        await Task.WhenAll(pod.Containers.Values.Where(s => s.Process is not null).Select(s => s.Process!.StopAsync(grace, cancellationToken))).ConfigureAwait(false);
        lock (_gate)
        {
            _pods.Remove(file);
        }

        File.Delete(StateFile(file));
    }

    private string StateFile(string manifest) => System.IO.Path.Combine(options.StateDir, System.IO.Path.GetFileName(manifest) + ".state");

    /// <summary>State line format: hash, then one line per container: name pid startTicks startedUnixMs.</summary>
    private void SaveState(RunningPod pod)
    {
        Directory.CreateDirectory(options.StateDir);
        var lines = new List<string> { pod.Pod.Hash, pod.StartedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };
        foreach (var slot in pod.Containers.Values.Where(s => s.Process is not null))
        {
            var p = slot.Process!;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{slot.Spec.Name} {p.Pid} {p.StartTicks} {p.StartedAt.ToUnixTimeMilliseconds()} {slot.Restarts}"));
        }

        var target = StateFile(pod.Pod.File);
        File.WriteAllLines(target + ".tmp", lines);
        File.Move(target + ".tmp", target, overwrite: true);
    }

    /// <summary>Takes over the processes of an earlier run; stops those whose manifest is gone or changed.</summary>
    private async Task AdoptAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.StateDir))
        {
            return;
        }

        foreach (var stateFile in Directory.GetFiles(options.StateDir, "*.state"))
        {
            var lines = File.ReadAllLines(stateFile);
            var manifest = System.IO.Path.Combine(options.ManifestDir, System.IO.Path.GetFileNameWithoutExtension(stateFile));
            var pod = File.Exists(manifest) ? StaticPod.Read(manifest, out _) : null;
            var processes = new Dictionary<string, (ContainerProcess Process, int Restarts)>(StringComparer.Ordinal);
            foreach (var line in lines.Skip(2))
            {
                var f = line.Split(' ');
                if (f.Length == 5 &&
                    int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                    long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var started) &&
                    int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out var restarts) &&
                    ContainerProcess.Adopt(f[0], pid, f[2], DateTimeOffset.FromUnixTimeMilliseconds(started)) is { } process)
                {
                    processes[f[0]] = (process, restarts);
                }
            }

            if (pod is null || lines.Length < 2 || lines[0] != pod.Hash)
            {
                await Task.WhenAll(processes.Values.Select(p => p.Process.StopAsync(MaxGrace, cancellationToken))).ConfigureAwait(false);
                File.Delete(stateFile);
                continue;
            }

            var running = new RunningPod(pod, DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(lines[1], CultureInfo.InvariantCulture)));
            foreach (var container in pod.Pod.Spec.Containers)
            {
                var slot = new ContainerSlot(container);
                if (processes.TryGetValue(container.Name, out var adopted))
                {
                    slot.Process = adopted.Process;
                    slot.Restarts = adopted.Restarts;
                }

                running.Containers[container.Name] = slot;
            }

            lock (_gate)
            {
                _pods[manifest] = running;
            }

            log.Info($"adopted pod {pod.Name} ({string.Join(", ", processes.Select(p => $"{p.Key} pid {p.Value.Process.Pid}"))})");
        }
    }

    private sealed class RunningPod(StaticPod pod, DateTimeOffset startedAt)
    {
        public StaticPod Pod { get; } = pod;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public Dictionary<string, ContainerSlot> Containers { get; } = new(StringComparer.Ordinal);

        public PodView View() => new(
            Pod,
            StartedAt,
            [.. Containers.Values.Select(s => new ContainerView(
                s.Spec.Name,
                s.Process?.IsAlive() == true,
                s.Restarts,
                s.Process?.StartedAt ?? StartedAt,
                s.Process?.Pid ?? 0))]);
    }

    private sealed class ContainerSlot(k8s.Models.V1Container spec)
    {
        public k8s.Models.V1Container Spec { get; } = spec;

        public ContainerProcess? Process { get; set; }

        public int Restarts { get; set; }

        public DateTimeOffset? NextStart { get; set; }
    }
}
