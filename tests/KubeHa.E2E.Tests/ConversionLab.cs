using System.Diagnostics;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace KubeHa.E2E.Tests;

/// <summary>
/// One lab for the project (id 1): master-1 + worker-1 + worker-2 from real kubeadm, two empty
/// nodes master-2 and master-3 to join, the real kubeha-agent on all five (under the lab
/// supervisor, lab service backend), and the inventory of the default LB mode. Phases are timed
/// in the diagnostic output. `down` at the end.
/// </summary>
public sealed class ConversionLab(IMessageSink sink) : IAsyncLifetime
{
    public static readonly string[] Masters = ["master-1", "master-2", "master-3"];
    public static readonly string[] Workers = ["worker-1", "worker-2"];
    public static IEnumerable<string> AllNodes => Masters.Concat(Workers);

    public const string EndpointHost = "api.k8s.local";
    public const int EndpointPort = 8443;

    private readonly TempDir _temp = new("kubeha-e2e");
    private LabAgents? _agents;
    private Exception? _failure;

    public LabAgents Agents => _agents ?? throw new InvalidOperationException("lab not set up", _failure);

    public string InventoryPath => _temp.Combine("cluster.yaml");

    public string StateDir => Agents.CoordinatorStateDir;

    public string LogDir => _temp.Combine("logs");

    public async Task InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        Directory.CreateDirectory(LogDir);
        var total = Stopwatch.StartNew();
        try
        {
            await TimedAsync("kubeha-lab down (clean slate)", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(2), "down"), "down"));
            await TimedAsync("kubeha-lab up --workers 2", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(8), "up", "--workers", "2"), "up"));
            foreach (var m in Masters.Skip(1))
            {
                await TimedAsync($"kubeha-lab add-node {m}", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(3), "add-node", m), "add-node"));
            }

            _agents = new LabAgents();
            var settings = new LabAgentSettings { ExtraYaml = ["service_manager: lab"] };
            await TimedAsync("agents on every node", () => _agents.StartAsync(AllNodes, settings));
            await File.WriteAllTextAsync(InventoryPath, Inventory());
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            _failure = e;
            Log($"lab setup failed: {e}");
        }

        Log($"lab setup total {total.Elapsed.TotalSeconds:0.0} s");
    }

    public async Task DisposeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        if (_agents is not null)
        {
            await _agents.DisposeAsync();
        }

        await TimedAsync("kubeha-lab down", async () => await LabCli.RunAsync(TimeSpan.FromMinutes(3), "down"));
        _temp.Dispose();
    }

    /// <summary>Fails the calling test with the setup error when the lab did not come up.</summary>
    public void RequireUp()
    {
        Assert.True(_failure is null && _agents is not null, $"lab setup failed: {_failure}");
    }

    public void Log(string message) => sink.OnMessage(new DiagnosticMessage($"[e2e lab {LabCli.Id}] {message}"));

    private static string Inventory()
    {
        static string Node(string name, int host, string? role) =>
            $"  - {{ name: {name}, address: {LabCli.Ip(host)},{(role is null ? string.Empty : $" role: {role},")} agent: \"{LabCli.Ip(host)}:{LabAgents.GrpcPort}\" }}\n";
        return $"# The e2e lab (lab {LabCli.Id}): 1 master + 2 workers -> 3 masters, local-nginx.\n"
            + "cluster: e2e\n"
            + $"kubeconfig: {LabCli.AdminConf}\n"
            + $"current_api_server: \"{LabCli.Ip(11)}:6443\"\n"
            + $"endpoint: {{ host: {EndpointHost}, port: {EndpointPort} }}\n"
            + $"load_balancer: {{ mode: local-nginx, listen_port: {EndpointPort}, balance: leastconn }}\n"
            + "join_ignore_preflight_errors: [all]\n"
            + "nodes:\n"
            + Node("master-1", 11, "master") + Node("worker-1", 12, "worker") + Node("worker-2", 13, "worker")
            + "add_masters:\n" + Node("master-2", 14, null) + Node("master-3", 15, null);
    }

    private static void Check(LabCli.Result result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Describe($"kubeha-lab {what}"));
        }
    }

    private async Task TimedAsync(string phase, Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        Log($"phase {phase}: {watch.Elapsed.TotalSeconds:0.0} s");
    }
}

[CollectionDefinition(Name)]
public sealed class ConversionLabGroup : ICollectionFixture<ConversionLab>
{
    public const string Name = "e2e-lab";
}
