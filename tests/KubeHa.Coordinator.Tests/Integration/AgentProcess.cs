using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Integration;

/// <summary>
/// A real kubeha-agent process (the built binary, run with `dotnet`) listening on loopback with
/// mutual TLS, with its own config, state directory and allowed root.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private Process? _process;
    private readonly System.Text.StringBuilder _log = new();

    /// <param name="extraConfig">More agent.yaml lines; "{ROOT}" stands for <see cref="Root"/>.</param>
    public AgentProcess(string dir, string node, string certDir, string extraConfig = "")
    {
        Dir = dir;
        Node = node;
        Port = FreePort.Next();
        HealthPort = FreePort.Next();
        StateDir = Path.Combine(dir, "state");
        Root = Path.Combine(dir, "root");
        Directory.CreateDirectory(Root);
        ConfigPath = Path.Combine(dir, "agent.yaml");
        File.WriteAllText(ConfigPath, string.Create(CultureInfo.InvariantCulture, $"""
            node_name: {node}
            roles: [master]
            listen: 127.0.0.1:{Port}
            health_listen: 127.0.0.1:{HealthPort}
            tls:
              ca: {certDir}/ca.crt
              cert: {certDir}/agent.crt
              key: {certDir}/agent.key
            state_dir: {StateDir}
            allowed_roots:
              - {Root}

            """) + extraConfig.Replace("{ROOT}", Root, StringComparison.Ordinal));
    }

    public string Dir { get; }
    public string Node { get; }
    public int Port { get; }
    public int HealthPort { get; }
    public string StateDir { get; }
    public string Root { get; }
    public string ConfigPath { get; }
    public string Address => $"127.0.0.1:{Port}";
    public string Log { get { lock (_log) { return _log.ToString(); } } }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(RepoPaths.AgentDll);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(ConfigPath);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start kubeha-agent");
        _process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"kubeha-agent exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{HealthPort}/healthz"));
                if (body.StartsWith("ok", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"kubeha-agent not healthy within 30 s:\n{Log}");
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{HealthPort}/metrics"));
    }

    /// <summary>Kills the process (SIGKILL: no graceful shutdown) and waits for it.</summary>
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
