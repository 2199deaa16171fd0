using System.Diagnostics;
using System.Globalization;
using k8s.Models;

namespace KubeHa.Lab.Kubelet;

/// <summary>
/// One container of a static pod, run as a process in its own session (so it outlives a restart
/// of the stand-in, as containers outlive the kubelet). Output goes to a log file.
/// </summary>
internal sealed class ContainerProcess
{
    private readonly Process? _child;

    private ContainerProcess(string name, int pid, string startTicks, DateTimeOffset startedAt, Process? child)
    {
        Name = name;
        Pid = pid;
        StartTicks = startTicks;
        StartedAt = startedAt;
        _child = child;
    }

    public string Name { get; }

    public int Pid { get; }

    /// <summary>Field 22 of /proc/PID/stat: tells a process from a later one with the same pid.</summary>
    public string StartTicks { get; }

    public DateTimeOffset StartedAt { get; }

    public static ContainerProcess Start(V1Container container, string logFile, DateTimeOffset now)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(logFile)!);
        var psi = new ProcessStartInfo("/usr/bin/setsid")
        {
            UseShellExecute = false,
            WorkingDirectory = string.IsNullOrEmpty(container.WorkingDir) ? "/" : container.WorkingDir,
        };
        psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$KUBEHA_LAB_CONTAINER_LOG\" 2>&1 </dev/null");
        foreach (var part in container.Command.Concat(container.Args ?? []))
        {
            psi.ArgumentList.Add(part);
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.Value is not null)
            {
                psi.Environment[env.Name] = env.Value;
            }
        }

        psi.Environment["KUBEHA_LAB_CONTAINER_LOG"] = logFile;
        var child = Process.Start(psi) ?? throw new InvalidOperationException($"container {container.Name}: could not start {container.Command[0]}");
        return new ContainerProcess(container.Name, child.Id, ReadStartTicks(child.Id) ?? string.Empty, now, child);
    }

    /// <summary>Takes over a process started by an earlier run of the stand-in, if it is still that process.</summary>
    public static ContainerProcess? Adopt(string name, int pid, string startTicks, DateTimeOffset startedAt)
    {
        var ticks = ReadStartTicks(pid);
        return ticks is not null && ticks == startTicks && !IsZombie(pid)
            ? new ContainerProcess(name, pid, startTicks, startedAt, child: null)
            : null;
    }

    public bool IsAlive()
    {
        if (_child is not null)
        {
            return !_child.HasExited;
        }

        return ReadStartTicks(Pid) == StartTicks && !IsZombie(Pid);
    }

    public int? ExitCode => _child is { HasExited: true } ? _child.ExitCode : null;

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!IsAlive())
        {
            return;
        }

        Native.Kill(Pid, Native.SigTerm);
        var waited = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(100);
        while (IsAlive() && waited < grace)
        {
            await Task.Delay(step, cancellationToken).ConfigureAwait(false);
            waited += step;
        }

        if (IsAlive())
        {
            Native.Kill(Pid, Native.SigKill);
        }
    }

    private static string? ReadStartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var afterComm = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return afterComm.Length > 19 ? afterComm[19] : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
