using System.Diagnostics;
using System.Text.Json;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Drift;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>
/// What one drift test needs on the shared lab: real agents in lab nodes (their own KubeHa PKI),
/// pushing to a real `kubeha serve` on the host (fresh store, same PKI), an inventory of the
/// lab for the daemon's cluster checks and `kubeha drift --fix`, and step submission to the
/// agents as the coordinator does. Dispose stops the agents and the daemon and prints how long
/// the test took.
/// </summary>
internal sealed class DriftRig : IAsyncDisposable
{
    public const string EndpointHost = "api.lab3.kubeha";

    private readonly TempDir _temp = new("kubeha-drift-lab");
    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly string _name;
    private readonly StepSubmitter _submitter = new(TimeProvider.System);

    public DriftRig(ITestOutputHelper output, string name, int clusterIntervalSeconds = 60)
    {
        _output = output;
        _name = name;
        Agents = new LabAgents();
        var stateDir = _temp.Combine("serve-state");
        CopyDir(Path.Combine(Agents.CoordinatorStateDir, "pki"), Path.Combine(stateDir, "pki"));
        InventoryPath = _temp.Combine("cluster.yaml");
        File.WriteAllText(InventoryPath, Inventory());
        Serve = new KubehaServe(stateDir, InventoryPath, clusterIntervalSeconds);
        RunId = $"drift-{Guid.NewGuid().ToString("N")[..8]}";
    }

    public LabAgents Agents { get; }

    public KubehaServe Serve { get; }

    public string InventoryPath { get; }

    public string RunId { get; }

    public DriftStore Store => Serve.Store;

    public void Log(string message) => _output.WriteLine($"[{_watch.Elapsed.TotalSeconds,6:0.0} s] {message}");

    /// <summary>Agent settings: lab services, push to the daemon on the bridge, retry at most every 2 s.</summary>
    public static LabAgentSettings Settings(int checkIntervalSeconds, params string[] extra) => Settings("master", checkIntervalSeconds, extra);

    public static LabAgentSettings Settings(string role, int checkIntervalSeconds, params string[] extra) => new()
    {
        Roles = [role],
        ExtraYaml = ["service_manager: lab", $"collector: {KubehaServe.Listen}", $"drift_check_interval_s: {checkIntervalSeconds}", "drift_retry_max_s: 2", .. extra],
    };

    public Task<StepResult> ApplyAsync(string node, string stepId, StepSpec spec) =>
        RunAsync(node, new ExecuteStepRequest { StepId = stepId, Mode = StepMode.Apply, Step = spec });

    public Task<StepResult> RollbackAsync(string node, string of) =>
        RunAsync(node, new ExecuteStepRequest { StepId = "undo-" + of, Mode = StepMode.Rollback, RollbackOfStepId = of });

    /// <summary>Polls the daemon's store (every 50 ms) until <paramref name="condition"/> holds for its open items.</summary>
    public async Task<TimeSpan> WaitStoreAsync(string what, TimeSpan timeout, Func<IReadOnlyList<StoredDriftItem>, bool> condition, bool includeClosed = false)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<StoredDriftItem> items = [];
        while (watch.Elapsed < timeout)
        {
            items = Store.Items(includeClosed);
            if (condition(items))
            {
                return watch.Elapsed;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{what}: not within {timeout.TotalSeconds:0} s; store items:\n{Describe(items)}\nkubeha serve log:\n{Tail(Serve.Log)}\nagent logs:\n" +
                    string.Join("\n", Agents.Running.Values.Select(a => $"--- {a.Node}\n{Tail(LabAgents.ReadLog(a))}\n{Inotify(a)}")));
        return watch.Elapsed;
    }

    /// <summary>`kubeha drift -o json [--all]` against the daemon's store.</summary>
    public async Task<List<JsonElement>> DriftJsonAsync(bool all = false)
    {
        var result = await KubehaCli.RunAsync(Serve.StateDir, all ? ["drift", "-o", "json", "--all"] : ["drift", "-o", "json"]);
        Assert.True(result.ExitCode == 0, result.Describe("kubeha drift -o json"));
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static string Describe(IEnumerable<StoredDriftItem> items) =>
        string.Join("\n", items.Select(s => $"  {s.Item.Id} expected={s.Item.Expected} actual={s.Item.Actual} closed={s.ClosedAt ?? "-"}"));

    public async ValueTask DisposeAsync()
    {
        await Agents.DisposeAsync();
        await Serve.DisposeAsync();
        _temp.Dispose();
        _output.WriteLine($"test {_name}: {_watch.Elapsed.TotalSeconds:0.0} s");
    }

    private async Task<StepResult> RunAsync(string node, ExecuteStepRequest request)
    {
        request.RunId = RunId;
        await using var connection = Agents.Connect(node);
        return await _submitter.RunAsync(connection, request, NullStepObserver.Instance, CancellationToken.None);
    }

    /// <summary>The agent's inotify descriptors and their watches (diagnostics for a missed file event).</summary>
    private static string Inotify(LabAgent agent)
    {
        var pidFile = Path.Combine(LabCli.NodeDir(agent.Node), "svc", LabAgents.ServiceName + ".pid");
        if (!File.Exists(pidFile))
        {
            return "(no pid file)";
        }

        var pid = File.ReadAllText(pidFile).Trim();
        var lines = new List<string> { $"agent pid {pid}" };
        try
        {
            foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget ?? string.Empty;
                if (target.Contains("inotify", StringComparison.Ordinal))
                {
                    lines.Add($"fd {Path.GetFileName(fd)}: " + File.ReadAllText($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").Replace('\n', ' '));
                }
            }
        }
        catch (IOException e)
        {
            lines.Add(e.Message);
        }

        return string.Join("\n", lines);
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    private static string Inventory()
    {
        static string Node(string name, int host, string role) =>
            $"  - {{ name: {name}, address: {LabCli.Ip(host)}, role: {role}, agent: \"{LabCli.Ip(host)}:{LabAgents.GrpcPort}\" }}\n";
        return $"# lab {LabCli.Id} as it is after `up`, for the drift tests\n"
            + "cluster: drift-lab\n"
            + $"kubeconfig: {LabCli.AdminConf}\n"
            + $"current_api_server: \"{LabCli.Ip(11)}:6443\"\n"
            + $"endpoint: {{ host: {EndpointHost}, port: 8443 }}\n"
            + "load_balancer: { mode: local-nginx, listen_port: 8443, balance: leastconn }\n"
            + "# one master, not converted: the drift tests check the lab as `up` left it\n"
            + "allow_unsafe_etcd_count: true\n"
            + "nodes:\n"
            + Node("master-1", 11, "master") + Node("worker-1", 12, "worker") + Node("worker-2", 13, "worker");
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            CopyDir(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
