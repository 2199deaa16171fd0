using System.Collections.Concurrent;
using System.Diagnostics;

namespace KubeHa.Agent.Tests.Actions.Etcd;

/// <summary>One etcd member run from /usr/bin/etcd with TLS on 127.0.0.1 ports.</summary>
internal sealed class EtcdProcess(string name, int clientPort, int peerPort, string pkiDir, string dataDir) : IDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;
    private string _initialCluster = string.Empty;
    private string _state = "new";

    public string Name { get; } = name;
    public string ClientUrl => $"https://127.0.0.1:{clientPort}";
    public string PeerUrl => $"https://127.0.0.1:{peerPort}";
    public bool Running => _process is { HasExited: false };

    /// <summary>The last lines etcd logged, for failure messages.</summary>
    public string Log => string.Join("\n", _log.TakeLast(30));

    public void Start(string initialCluster, string state)
    {
        _initialCluster = initialCluster;
        _state = state;
        Start();
    }

    /// <summary>Starts again with the same flags (the data dir keeps its membership).</summary>
    public void Start()
    {
        var etcd = Path.Combine(pkiDir, "etcd");
        var info = new ProcessStartInfo("/usr/bin/etcd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--name", Name, "--data-dir", dataDir,
            "--listen-client-urls", ClientUrl, "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", _initialCluster, "--initial-cluster-state", _state, "--initial-cluster-token", "kubeha-test",
            "--client-cert-auth", "--trusted-ca-file", Path.Combine(etcd, "ca.crt"),
            "--cert-file", Path.Combine(etcd, "server.crt"), "--key-file", Path.Combine(etcd, "server.key"),
            "--peer-client-cert-auth", "--peer-trusted-ca-file", Path.Combine(etcd, "ca.crt"),
            "--peer-cert-file", Path.Combine(etcd, "peer.crt"), "--peer-key-file", Path.Combine(etcd, "peer.key"),
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--logger", "zap", "--log-level", "warn", "--log-outputs", "stderr",
        })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 200)
        {
            _log.TryDequeue(out _);
        }
    }

    public void Stop()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();
}
