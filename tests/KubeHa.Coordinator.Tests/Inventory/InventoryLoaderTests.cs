using KubeHa.Coordinator.Inventory;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Inventory;

[Trait(Categories.Name, Categories.Unit)]
public sealed class InventoryLoaderTests
{
    private static string Asset(string name) => Path.Combine(AppContext.BaseDirectory, "testassets", "inventory", name);

    /// <summary>Golden error output: every problem at once, in file order, with line:column.</summary>
    [Theory]
    [InlineData("bad-everything.yaml")]
    [InlineData("bad-mode.yaml")]
    [InlineData("bad-yaml.yaml")]
    public void Parse_BadInventory_ReportsEveryProblemAsInGoldenFile(string name)
    {
        var e = Assert.Throws<InventoryException>(() => InventoryLoader.Parse(File.ReadAllText(Asset(name)), name));
        var expected = File.ReadAllText(Asset(Path.ChangeExtension(name, ".golden"))).TrimEnd('\n');
        Assert.Equal(expected, string.Join('\n', e.Errors));
    }

    [Fact]
    public void Load_ExampleInventory_IsValid()
    {
        var inventory = InventoryLoader.Load(Path.Combine(RepoPaths.Root, "examples", "cluster.yaml"));
        Assert.Equal(LoadBalancerMode.LocalNginx, inventory.LoadBalancer.Mode);
        Assert.Equal(new ApiEndpoint("api.k8s.local", 8443), inventory.Endpoint);
        Assert.Equal(["master-2", "master-3"], inventory.AddMasters.Select(n => n.Name));
        Assert.All(inventory.AddMasters, n => Assert.Equal(NodeRole.Master, n.Role));
    }

    [Fact]
    public void Parse_ExistingLoadBalancer_IsValid()
    {
        var inventory = InventoryLoader.Load(Asset("good-existing-lb.yaml"));
        Assert.Equal(LoadBalancerMode.External, inventory.LoadBalancer.Mode);
        Assert.Equal(2, inventory.ExtraSans.Count);
    }

    [Theory]
    [InlineData(2, false, true)]
    [InlineData(3, false, false)]
    [InlineData(4, false, true)]
    [InlineData(2, true, false)]
    public void Parse_EtcdMemberCount_EvenOrBelowThreeRefusedUnlessOverridden(int masters, bool allow, bool refused)
    {
        var nodes = string.Join('\n', Enumerable.Range(1, masters).Select(i =>
            $"  - {{ name: master-{i}, address: 10.0.0.{i}, role: master, agent: 10.0.0.{i}:7443 }}"));
        var yaml = $"""
            cluster: c
            current_api_server: 10.0.0.1:6443
            endpoint: {"{ host: api.example, port: 8443 }"}
            load_balancer: {"{ mode: local-nginx }"}
            allow_unsafe_etcd_count: {allow.ToString().ToLowerInvariant()}
            nodes:
            {nodes}
            """;
        var ex = Record.Exception(() => InventoryLoader.Parse(yaml, "c.yaml"));
        if (refused)
        {
            var e = Assert.IsType<InventoryException>(ex);
            Assert.Contains($"etcd member count would be {masters}", e.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(ex);
        }
    }
}
