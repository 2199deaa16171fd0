using System.Diagnostics;
using System.Globalization;
using System.Net;
using KubeHa.Coordinator.Pki;

namespace KubeHa.Bench;

/// <summary>
/// A real kubeha-agent process (the built program run by `dotnet`, or a published executable
/// given by KUBEHA_BENCH_AGENT) with its own config, root and certificate; ready when /healthz answers.
/// </summary>
internal sealed class RealAgent : IDisposable
{
    private Child? _child;

    public RealAgent(PkiStore pki, string dir, string node, int port, int healthPort, string extraConfig)
    {
        Node = node;
        Port = port;
        HealthPort = healthPort;
        Root = Path.Combine(dir, "root");
        var certDir = Path.Combine(dir, "pki");
        pki.IssueAgent(node, [], [IPAddress.Loopback], certDir);
        Directory.CreateDirectory(Path.Combine(Root, "kubernetes"));
        ConfigPath = Path.Combine(dir, "agent.yaml");
        File.WriteAllText(ConfigPath, string.Create(CultureInfo.InvariantCulture, $"""
            node_name: {node}
            roles: [worker]
            listen: 127.0.0.1:{port}
            health_listen: 127.0.0.1:{healthPort}
            tls:
              ca: {certDir}/ca.crt
              cert: {certDir}/agent.crt
              key: {certDir}/agent.key
            state_dir: {dir}/state
            allowed_roots:
              - {Root}
            kubernetes_dir: {Root}/kubernetes

            """) + extraConfig);
    }

    public string Node { get; }
    public int Port { get; }
    public int HealthPort { get; }
    public string Root { get; }
    public string ConfigPath { get; }
    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");
    public int Pid => _child?.Pid ?? throw new InvalidOperationException("agent not started");
    public string Output => _child?.Output ?? string.Empty;

    /// <summary>Starts the agent and returns the time from process start to the first healthy answer.</summary>
    public async Task<TimeSpan> StartAsync()
    {
        var published = Environment.GetEnvironmentVariable("KUBEHA_BENCH_AGENT");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var health = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HealthPort}/healthz"));
        var watch = Stopwatch.StartNew();
        _child = string.IsNullOrEmpty(published)
            ? new Child(SelfExe.Dotnet, [SelfExe.AgentDll, "--config", ConfigPath])
            : new Child(published, ["--config", ConfigPath]);
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                using var response = await http.GetAsync(health).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return watch.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(2).ConfigureAwait(false);
        }

        throw new TimeoutException($"kubeha-agent {Node} not healthy within 30 s:\n{Output}");
    }

    public void Dispose() => _child?.Dispose();
}
