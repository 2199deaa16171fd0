using KubeHa.Coordinator.Inventory;

namespace KubeHa.Coordinator.Planning;

/// <summary>What every phase of the conversion plan needs to know about the inventory.</summary>
public sealed class PlanContext
{
    public PlanContext(ClusterInventory inventory)
    {
        Inventory = inventory;
        Lb = new LoadBalancerSteps(inventory);
        FirstMaster = inventory.Masters.FirstOrDefault()
            ?? throw new InvalidOperationException($"{inventory.Path}: the inventory names no master");
    }

    public ClusterInventory Inventory { get; }

    public LoadBalancerSteps Lb { get; }

    /// <summary>The master that exists today: holds the CA key and etcd, gives the join material.</summary>
    public InventoryNode FirstMaster { get; }

    /// <summary>The endpoint every client uses afterwards, as a URL (https://host:port).</summary>
    public string EndpointUrl => Inventory.Endpoint.Url;

    /// <summary>Masters today followed by the masters to add, in join order.</summary>
    public IReadOnlyList<InventoryNode> FinalMasters => [.. Inventory.Masters, .. Inventory.AddMasters];

    /// <summary>
    /// SANs the API server certificates need: the endpoint, every master's name and address
    /// (today's and future), the VIP, loopback for the local modes, and the extra SANs.
    /// </summary>
    public IReadOnlyList<string> ApiServerSans()
    {
        var sans = new List<string> { Inventory.Endpoint.Host };
        if (Inventory.LoadBalancer.Vip is { } vip)
        {
            sans.Add(vip.ToString());
        }

        if (Lb.IsLocal)
        {
            sans.AddRange(["127.0.0.1", "localhost"]);
        }

        foreach (var m in FinalMasters)
        {
            sans.AddRange([m.Name, Specs.Address(m)]);
        }

        foreach (var lb in Inventory.LbHosts)
        {
            sans.Add(Specs.Address(lb));
        }

        sans.AddRange(Inventory.ExtraSans);
        return [.. sans.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The current API server (host, port) from current_api_server.</summary>
    public (string Host, int Port) CurrentApiServer()
    {
        var text = Inventory.CurrentApiServer;
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? (text[..colon].Trim('[', ']'), port)
            : (text, 6443);
    }
}
