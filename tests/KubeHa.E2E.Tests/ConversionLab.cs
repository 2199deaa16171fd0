using System.Diagnostics;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace KubeHa.E2E.Tests;

/// <summary>
/// The project's lab (id 1), brought up afresh for each scenario (a conversion cannot be run
/// twice on one cluster): master-1 + worker-1 + worker-2 from real kubeadm, two empty nodes
/// master-2 and master-3 to join (and lb-1 for the dedicated LB), the real kubeha-agent on every
/// node, installed from its .deb by dpkg as users install it (run by the lab supervisor from the
/// package's unit, lab service backend), and the inventory of the scenario's LB
/// mode. Phases are timed in the diagnostic output. `down` at the end.
/// </summary>
public sealed class ConversionLab(IMessageSink sink) : IAsyncLifetime
{
    public static readonly string[] Masters = ["master-1", "master-2", "master-3"];
    public static readonly string[] Workers = ["worker-1", "worker-2"];

    private readonly TempDir _temp = new("kubeha-e2e");
    private LabAgents? _agents;
    private int _scenarios;

    public LabAgents Agents => _agents ?? throw new InvalidOperationException("lab not set up");

    /// <summary>The scenario's inventory, written by <see cref="PrepareAsync"/>.</summary>
    public string InventoryPath => _temp.Combine($"cluster-{_scenarios}.yaml");

    public string StateDir => Agents.CoordinatorStateDir;

    public string TempDir => _temp.Path;

    /// <summary>The nodes of the current scenario: masters, workers and any LB host.</summary>
    public IReadOnlyList<string> Nodes { get; private set; } = [];

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// A fresh single-master lab with agents on every node and the inventory for
    /// <paramref name="scenario"/>; fails the calling test with the setup error if it cannot.
    /// </summary>
    public async Task PrepareAsync(E2EScenario scenario)
    {
        Assert.True(Environment.IsPrivilegedProcess, "the end-to-end tests need root");
        var total = Stopwatch.StartNew();
        if (_agents is not null)
        {
            await _agents.DisposeAsync();
            _agents = null;
        }

        _scenarios++;
        await TimedAsync("kubeha-lab down (clean slate)", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(2), "down"), "down"));
        await TimedAsync("kubeha-lab up --workers 2", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(8), "up", "--workers", "2"), "up"));
        var added = Masters.Skip(1).Concat(scenario.ExtraNodes).ToList();
        foreach (var node in added)
        {
            await TimedAsync($"kubeha-lab add-node {node}", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(3), "add-node", node), "add-node"));
        }

        Nodes = [.. Masters, .. Workers, .. scenario.ExtraNodes];
        // What users install: the kubeha-agent .deb, installed by dpkg in every node.
        var deb = await LabPackages.AgentDebAsync(Log);
        _agents = LabAgents.FromPackage(deb);
        var settings = new LabAgentSettings { ExtraYaml = ["service_manager: lab"] };
        await TimedAsync("agents from the .deb on every node", () => _agents.StartAsync(Nodes, settings));
        await File.WriteAllTextAsync(InventoryPath, scenario.Inventory(NodeIp));
        Log($"scenario {scenario.Name}: lab ready in {total.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>The node's address in the lab, as the lab assigned it.</summary>
    public static string NodeIp(string node) => File.ReadAllText(Path.Combine(LabCli.NodeDir(node), "ip")).Trim();

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

    public void Log(string message) => sink.OnMessage(new DiagnosticMessage($"[e2e lab {LabCli.Id}] {message}"));

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
