using System.Diagnostics;

namespace KubeHa.Agent.Drift;

/// <summary>
/// systemd's view when the node runs systemd (<c>systemctl is-active</c>), else whether a
/// process of that name runs (/proc/PID/comm), which also covers nodes without an init system.
/// </summary>
internal sealed class ServiceProbe : IServiceProbe
{
    private readonly string _procRoot;
    private readonly bool _systemd;

    public ServiceProbe()
        : this("/proc", Directory.Exists("/run/systemd/system") && (File.Exists("/usr/bin/systemctl") || File.Exists("/bin/systemctl")))
    {
    }

    internal ServiceProbe(string procRoot, bool systemd)
    {
        _procRoot = procRoot;
        _systemd = systemd;
    }

    public async Task<bool> IsActiveAsync(string service, CancellationToken cancellationToken)
    {
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
