using System.Diagnostics;
using KubeHa.Coordinator.Drift;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>
/// The real coordinator daemon (`dotnet kubeha.dll --state-dir DIR serve -f INVENTORY --listen
/// BRIDGE:7445`) on the host, reached by the lab's agents through the lab bridge. Its state dir
/// is fresh (the KubeHa PKI of <see cref="DriftRig"/> copied in), so its store holds only what
/// this test sent. <see cref="StopAsync"/> sends SIGTERM and waits; restarting keeps the store.
/// </summary>
internal sealed class KubehaServe : IAsyncDisposable
{
    public const int Port = 7445;

    private readonly string _inventory;
    private readonly int _clusterInterval;
    private Process? _process;
    private int _starts;

    public KubehaServe(string stateDir, string inventory, int clusterIntervalSeconds)
    {
        StateDir = stateDir;
        _inventory = inventory;
        _clusterInterval = clusterIntervalSeconds;
        Store = new DriftStore(stateDir, TimeProvider.System);
    }

    public string StateDir { get; }

    /// <summary>The daemon's SQLite store, read in place (WAL: the daemon keeps writing).</summary>
    public DriftStore Store { get; }

    public static string Listen => $"{LabCli.BridgeIp}:{Port}";

    public string LogPath(int start) => Path.Combine(StateDir, $"serve-{start}.log");

    public string Log => string.Concat(Enumerable.Range(1, _starts).Select(i => File.Exists(LogPath(i)) ? File.ReadAllText(LogPath(i)) : string.Empty));

    public async Task StartAsync()
    {
        var log = LogPath(++_starts);
        var psi = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var a in (string[])["-c", "exec \"$@\" >\"$KUBEHA_LOG\" 2>&1", "kubeha", "dotnet", RepoPaths.CliDll, "--state-dir", StateDir,
                     "serve", "-f", _inventory, "--listen", Listen, "--cluster-interval", _clusterInterval.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBEHA_LOG"] = log;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start kubeha serve");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (File.Exists(log) && (await File.ReadAllTextAsync(log)).Contains("kubeha serve: collecting drift reports", StringComparison.Ordinal))
            {
                return;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"kubeha serve did not start (exited: {_process.HasExited}); its log:\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "(none)")}");
    }

    /// <summary>SIGTERM to the daemon this object started (by its pid), then wait for it.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        Store.Dispose();
    }
}
