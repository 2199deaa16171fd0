using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Pki;

namespace KubeHa.TestSupport.Lab;

/// <summary>
/// Installs and runs the REAL kubeha-agent inside lab nodes: either the built kubeha-agent.dll
/// (`svc define kubeha-agent -- dotnet AGENT --config /etc/kubeha/agent.yaml`), or, with
/// <see cref="FromPackage"/>, the kubeha-agent .deb users install (`kubeha-lab install-deb`: dpkg
/// installs it into the node and the service runs its unit's ExecStart). A KubeHa PKI (the
/// coordinator's <see cref="PkiStore"/>) in a temp state dir issues each agent's certificate into
/// the node's /etc/kubeha/pki (bind-mounted from NODE_DIR/etc-kubeha), the fixture writes
/// /etc/kubeha/agent.yaml, starts the service and waits for its health endpoint. Agents listen on the node's lab address, so the host connects with
/// <see cref="Connect(LabAgent, AgentConnectionOptions?)"/>. Dispose stops the agents it started.
/// </summary>
public sealed class LabAgents : IAsyncDisposable
{
    public const string ServiceName = "kubeha-agent";
    public const int GrpcPort = 7443;
    public const int HealthPort = 7444;

    private readonly TempDir _temp = new("kubeha-lab-agents");
    private readonly Dictionary<string, LabAgent> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _installed = new(StringComparer.Ordinal);

    /// <param name="agentDll">The agent to run; default <see cref="RepoPaths.AgentDll"/> (build src/Agent first).</param>
    public LabAgents(string? agentDll = null)
        : this(agentDll ?? RepoPaths.AgentDll, agentDeb: null)
    {
    }

    private LabAgents(string? agentDll, string? agentDeb)
    {
        AgentDll = agentDll;
        AgentDeb = agentDeb;
        CoordinatorStateDir = _temp.Combine("coordinator");
        Pki = new PkiStore(CoordinatorStateDir, TimeProvider.System);
        Pki.Init([], []);
    }

    /// <summary>The built agent this fixture runs with `dotnet`, or null when it installs <see cref="AgentDeb"/>.</summary>
    public string? AgentDll { get; }

    /// <summary>The kubeha-agent .deb this fixture installs into each node, or null when it runs <see cref="AgentDll"/>.</summary>
    public string? AgentDeb { get; }

    /// <summary>Agents installed from the package <paramref name="agentDeb"/> (see <see cref="LabPackages.AgentDebAsync"/>).</summary>
    public static LabAgents FromPackage(string agentDeb) =>
        File.Exists(agentDeb) ? new LabAgents(null, agentDeb) : throw new FileNotFoundException($"no kubeha-agent package at {agentDeb}", agentDeb);

    /// <summary>The coordinator state dir holding the KubeHa CA and the coordinator's client certificate (pki/).</summary>
    public string CoordinatorStateDir { get; }

    public PkiStore Pki { get; }

    /// <summary>Agents started by this fixture and not stopped since, by node.</summary>
    public IReadOnlyDictionary<string, LabAgent> Running => _running;

    /// <summary>
    /// (Re)installs and starts the agent on <paramref name="node"/>: a running one is stopped first,
    /// so new settings and certificates take effect. Fails with the agent's log when it is not healthy in time.
    /// </summary>
    public async Task<LabAgent> StartAsync(string node, LabAgentSettings? settings = null)
    {
        settings ??= new LabAgentSettings();
        if (AgentDll is not null && !File.Exists(AgentDll))
        {
            throw new FileNotFoundException($"the agent is not built: {AgentDll} (dotnet build src/Agent -c {RepoPaths.Configuration})");
        }

        var ip = NodeIp(node);
        var configDir = Path.Combine(LabCli.NodeDir(node), "etc-kubeha");
        var agent = new LabAgent(node, ip, GrpcPort, HealthPort, Path.Combine(LabCli.NodeDir(node), "log", ServiceName + ".log"),
            Path.Combine(LabCli.NodeDir(node), "var-lib-kubeha"), configDir);

        await StopAsync(node);
        if (AgentDeb is not null)
        {
            // As an operator does: install the package (its conffile agent.yaml, state dir and
            // unit come from it), then put the certificates and the node's settings in place.
            await InstallPackageAsync(node, AgentDeb);
        }

        Pki.IssueAgent(node, [], [IPAddress.Parse(ip)], Path.Combine(configDir, "pki"));
        await File.WriteAllTextAsync(Path.Combine(configDir, "agent.yaml"), AgentYaml(agent, settings));
        if (AgentDll is not null)
        {
            await Svc(node, "define", ServiceName, "--", "dotnet", AgentDll, "--config", "/etc/kubeha/agent.yaml");
        }

        var logStart = File.Exists(agent.LogPath) ? new FileInfo(agent.LogPath).Length : 0;
        await Svc(node, "start", ServiceName);
        _running[node] = agent;
        await WaitHealthyAsync(agent, settings.StartTimeout, logStart);
        return agent;
    }

    /// <summary>Starts agents on several nodes at once.</summary>
    public async Task<IReadOnlyList<LabAgent>> StartAsync(IEnumerable<string> nodes, LabAgentSettings? settings = null) =>
        await Task.WhenAll(nodes.Select(n => StartAsync(n, settings)));

    /// <summary>Stops the agent service on <paramref name="node"/> (no error when it is not running).</summary>
    public async Task StopAsync(string node)
    {
        _running.Remove(node);
        var defined = await LabCli.ExecAsync(node, "svc", "status", ServiceName);
        if (defined.ExitCode == 0)
        {
            await Svc(node, "stop", ServiceName);
        }
    }

    /// <summary>A mutual-TLS connection from the host with the coordinator's certificate (dispose it).</summary>
    public AgentConnection Connect(LabAgent agent, AgentConnectionOptions? options = null)
    {
        var (client, ca) = Pki.LoadCoordinatorIdentity();
        return new AgentConnection(agent.Endpoint, client, ca, options ?? new AgentConnectionOptions { Retries = 2 }, TimeProvider.System);
    }

    /// <summary>The connection to the agent started on <paramref name="node"/>.</summary>
    public AgentConnection Connect(string node, AgentConnectionOptions? options = null) =>
        Connect(_running.TryGetValue(node, out var agent) ? agent : throw new InvalidOperationException($"no agent started on {node}"), options);

    /// <summary>The agent's log (the supervisor's log file of the service) as text.</summary>
    public static string ReadLog(LabAgent agent) => File.Exists(agent.LogPath) ? File.ReadAllText(agent.LogPath) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _running.Keys.ToList())
        {
            try
            {
                await StopAsync(node);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
                // The lab may already be down.
            }
        }

        _temp.Dispose();
    }

    private static string NodeIp(string node)
    {
        var file = Path.Combine(LabCli.NodeDir(node), "ip");
        return File.Exists(file) ? File.ReadAllText(file).Trim() : throw new InvalidOperationException($"no lab node {node} ({file} missing); is lab {LabCli.Id} up?");
    }

    private static string AgentYaml(LabAgent agent, LabAgentSettings settings)
    {
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"""
            # Written by the KubeHa test fixture LabAgents.
            node_name: {agent.Node}
            roles: [{string.Join(", ", settings.Roles)}]
            listen: {agent.Ip}:{agent.Port}
            health_listen: {agent.Ip}:{agent.HealthPort}
            tls:
              ca: /etc/kubeha/pki/ca.crt
              cert: /etc/kubeha/pki/agent.crt
              key: /etc/kubeha/pki/agent.key
            state_dir: /var/lib/kubeha
            allowed_roots:

            """);
        foreach (var root in settings.AllowedRoots)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {root}\n");
        }

        foreach (var line in settings.ExtraYaml)
        {
            yaml.Append(line).Append('\n');
        }

        return yaml.ToString();
    }

    private async Task InstallPackageAsync(string node, string deb)
    {
        if (!_installed.Add(node))
        {
            return;
        }

        var result = await LabCli.RunAsync(TimeSpan.FromMinutes(3), "install-deb", node, deb);
        if (result.ExitCode != 0)
        {
            _installed.Remove(node);
            throw new InvalidOperationException(result.Describe($"kubeha-lab install-deb {node} {deb}"));
        }
    }

    private static async Task Svc(string node, params string[] args)
    {
        var result = await LabCli.ExecAsync(node, ["svc", .. args]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Describe($"{node}: svc {string.Join(' ', args)}"));
        }
    }

    private static async Task WaitHealthyAsync(LabAgent agent, TimeSpan timeout, long logStart)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        var last = "no answer yet";
        while (watch.Elapsed < timeout)
        {
            try
            {
                var body = await http.GetStringAsync(agent.HealthUri);
                if (body.StartsWith("ok", StringComparison.Ordinal))
                {
                    return;
                }

                last = "healthz answered: " + body;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            var active = await LabCli.ExecAsync(agent.Node, "svc", "is-active", ServiceName);
            if (active.ExitCode != 0 && watch.Elapsed > TimeSpan.FromSeconds(5))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        throw new TimeoutException($"kubeha-agent on {agent.Node} not healthy at {agent.HealthUri} within {timeout.TotalSeconds:0} s ({last}); its log:\n{Tail(agent.LogPath, logStart)}");
    }

    private static string Tail(string path, long from)
    {
        if (!File.Exists(path))
        {
            return "(no log)";
        }

        var text = File.ReadAllText(path);
        var start = (int)Math.Min(from, text.Length);
        var tail = text[start..];
        return tail.Length > 4000 ? tail[^4000..] : tail;
    }
}
