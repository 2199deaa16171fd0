using KubeHa.Coordinator.Inventory;
using KubeHa.Coordinator.Planning;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Planning;

/// <summary>
/// Golden plans for each LB mode and cluster shape (testassets/plans/*.plan, reviewed like
/// code; regenerate with KUBEHA_UPDATE_GOLDEN=1 and read the diff), plus the rules every plan
/// must keep whatever the golden text says.
/// </summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class ConversionPlannerTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Inventories => new()
    {
        "examples/cluster.yaml",
        "plans/local-haproxy.yaml",
        "plans/dedicated-nginx.yaml",
        "plans/vip-haproxy-keepalived.yaml",
        "inventory/good-existing-lb.yaml",
    };

    private static string InventoryPath(string name) => name.StartsWith("examples/", StringComparison.Ordinal)
        ? Path.Combine(RepoPaths.Root, name)
        : Path.Combine(AppContext.BaseDirectory, "testassets", name);

    private static string GoldenSource(string name) => Path.Combine(RepoPaths.Root, "tests", "KubeHa.Coordinator.Tests", "testassets", "plans",
        Path.GetFileNameWithoutExtension(name) + (name.StartsWith("examples/", StringComparison.Ordinal) ? "-example" : string.Empty) + ".plan");

    private static Plan Build(string name) => ConversionPlanner.Build(InventoryLoader.Load(InventoryPath(name)), "run-test", Created, "sha");

    [Theory]
    [MemberData(nameof(Inventories))]
    public void Build_Inventory_MatchesGoldenPlan(string name)
    {
        var text = PlanText.Render(Build(name), withSpecs: true);
        var golden = GoldenSource(name);
        if (Environment.GetEnvironmentVariable("KUBEHA_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(golden, text);
        }

        Assert.True(File.Exists(golden), $"no golden plan {golden}; run with KUBEHA_UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(golden), text);
    }

    [Theory]
    [MemberData(nameof(Inventories))]
    public void Build_Inventory_KeepsThePlanRules(string name)
    {
        var inventory = InventoryLoader.Load(InventoryPath(name));
        var plan = Build(name);
        var steps = plan.Phases.SelectMany(p => p.Steps).ToList();

        Assert.Equal(steps.Count, steps.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
        var phases = plan.Phases.Select(p => p.Name).ToList();
        Assert.Equal(["preflight", "backup", "lb", "certs", "cluster-config", "clients"], phases.Take(6));
        Assert.Equal("post-checks", phases[^1]);
        // Every agent step targets an inventory node.
        Assert.All(steps.Where(s => s.Node.Length > 0), s => Assert.NotNull(inventory.Find(s.Node)));
        // The etcd snapshot comes before the first change.
        var firstChange = steps.FindIndex(s => s.KindCase == PlannedStep.KindOneofCase.Agent && !s.Gate && s.Agent.ActionCase != StepSpec.ActionOneofCase.EtcdSnapshot);
        Assert.True(steps.FindIndex(s => s.Agent?.ActionCase == StepSpec.ActionOneofCase.EtcdSnapshot) < firstChange);
        // No proxy listens on 6443 beside an API server.
        Assert.DoesNotContain(steps, s => s.Agent?.NginxConfig?.ListenPort == 6443 || s.Agent?.HaproxyConfig?.BindPort == 6443);
        // Every kubeconfig switch goes to the endpoint, never to a single master.
        Assert.All(steps.Where(s => s.Agent?.KubeconfigEndpoint is not null), s => Assert.Equal(inventory.Endpoint.Url, s.Agent.KubeconfigEndpoint.Server));
        // Each join takes its material from a step on the first master that runs before it.
        foreach (var join in steps.Where(s => s.Agent?.ActionCase == StepSpec.ActionOneofCase.KubeadmJoin))
        {
            var material = steps.FindIndex(s => s.Id == join.InputsFrom);
            Assert.True(material >= 0 && material < steps.IndexOf(join), $"{join.Id}: inputs_from '{join.InputsFrom}'");
            Assert.Equal(inventory.Masters.First().Name, steps[material].Node);
        }

        Assert.Equal(inventory.AddMasters.Count, steps.Count(s => s.Agent?.ActionCase == StepSpec.ActionOneofCase.KubeadmJoin));
        // Masters switch one at a time: no wave on a master's client steps.
        Assert.All(plan.Phases.Single(p => p.Name == "clients").Steps.Where(s => inventory.Masters.Any(m => m.Name == s.Node)), s => Assert.Empty(s.Wave));
    }

    [Fact]
    public void Build_LocalNginx_CertificateCoversEndpointLoopbackAndEveryMaster()
    {
        var plan = Build("examples/cluster.yaml");
        var cert = plan.Phases.Single(p => p.Name == "certs").Steps.Single(s => s.Agent?.ApiserverCertificate is not null);
        Assert.Equal("master-1", cert.Node);
        Assert.Equal(
            ["api.k8s.local", "127.0.0.1", "localhost", "master-1", "10.77.0.11", "master-2", "10.77.0.14", "master-3", "10.77.0.15"],
            cert.Agent.ApiserverCertificate.AddSans);
    }

    [Fact]
    public void Build_WorkersWithMaxUnavailableTwo_SwitchesThemTogether()
    {
        var clients = Build("plans/dedicated-nginx.yaml").Phases.Single(p => p.Name == "clients");
        var kubeconfigs = clients.Steps.Where(s => s.Node.StartsWith("worker-", StringComparison.Ordinal) && s.Agent?.KubeconfigEndpoint is not null).ToList();
        Assert.Equal(2, kubeconfigs.Count);
        Assert.Single(kubeconfigs.Select(s => s.Wave).Distinct());
    }
}
