using System.Diagnostics;
using KubeHa.Agent.Services;

namespace KubeHa.Agent.Drift;

/// <summary>
/// With <c>service_manager: lab</c>, the lab supervisor's answer (<c>svc is-active</c>): lab
/// nodes share the host's PID namespace, so a process of the same name in another node must not
/// count. Otherwise systemd's view when the node runs systemd (<c>systemctl is-active</c>), else
/// whether a process of that name runs (/proc/PID/comm), which also covers nodes without an init
/// system.
/// </summary>
internal sealed class ServiceProbe : IServiceProbe
{
    private readonly string _procRoot;
    private readonly bool _systemd;
    private readonly IServiceManager? _lab;

    public ServiceProbe(IServiceManager manager)
        : this("/proc", Directory.Exists("/run/systemd/system") && (File.Exists("/usr/bin/systemctl") || File.Exists("/bin/systemctl")),
            manager.Name == "lab" ? manager : null)
    {
    }

    internal ServiceProbe(string procRoot, bool systemd, IServiceManager? lab = null)
    {
        _procRoot = procRoot;
        _systemd = systemd;
        _lab = lab;
    }

    public async Task<bool> IsActiveAsync(string service, CancellationToken cancellationToken)
    {
        if (_lab is not null)
        {
            try
            {
                return (await _lab.GetStateAsync(service, cancellationToken).ConfigureAwait(false)).Active;
            }
            catch (ServiceManagerException)
            {
                // The supervisor could not answer: fall back to the process table.
                return ProcessRuns(service);
            }
        }

        if (_systemd && await SystemdActiveAsync(service, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        return ProcessRuns(service);
    }

    private static async Task<bool> SystemdActiveAsync(string service, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("systemctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("is-active");
        psi.ArgumentList.Add("--quiet");
        psi.ArgumentList.Add(service);
        try
        {
            using var process = Process.Start(psi);
            if (process is null)
            {
                return false;
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>A process whose command name (comm, at most 15 characters) is the service's.</summary>
    internal bool ProcessRuns(string name)
    {
        var comm = name.Length > 15 ? name[..15] : name;
        foreach (var dir in Directory.EnumerateDirectories(_procRoot))
        {
            var pid = Path.GetFileName(dir);
            if (pid.Length == 0 || !pid.All(char.IsAsciiDigit))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n') == comm)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return false;
    }
}
