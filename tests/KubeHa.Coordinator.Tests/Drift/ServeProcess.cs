using System.Diagnostics;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Drift;

/// <summary>A real `kubeha serve` process (the built CLI, run with `dotnet`) on loopback.</summary>
internal sealed class ServeProcess(string stateDir, int port, params string[] extraArgs) : IDisposable
{
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    public string Log { get { lock (_log) { return _log.ToString(); } } }

    public async Task StartAsync()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { RepoPaths.CliDll, "serve", "--state-dir", stateDir, "--listen", $"127.0.0.1:{port}" }.Concat(extraArgs))
        {
            psi.ArgumentList.Add(arg);
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start kubeha serve");
        _process.OutputDataReceived += (_, e) =>
        {
            lock (_log) { _log.AppendLine(e.Data); }
            if (e.Data?.StartsWith("kubeha serve: collecting", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"kubeha serve exited:\n{Log}"));
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();
}
