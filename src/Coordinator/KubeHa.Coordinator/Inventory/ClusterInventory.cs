using System.Net;

namespace KubeHa.Coordinator.Inventory;

/// <summary>The operator's description of the cluster and the HA target (cluster.yaml).</summary>
public sealed record ClusterInventory
{
    public required string Path { get; init; }
    public required string Cluster { get; init; }
    /// <summary>Kubeconfig the coordinator uses for the Kubernetes API.</summary>
    public string? Kubeconfig { get; init; }
    /// <summary>host:port of the single API server today.</summary>
    public required string CurrentApiServer { get; init; }
    public required ApiEndpoint Endpoint { get; init; }
    public required LoadBalancerSettings LoadBalancer { get; init; }
    public IReadOnlyList<string> ExtraSans { get; init; } = [];
    /// <summary>kubeadm preflight checks to ignore when joining masters (the lab: "all", it has no container runtime).</summary>
    public IReadOnlyList<string> JoinIgnorePreflightErrors { get; init; } = [];
    public required IReadOnlyList<InventoryNode> Nodes { get; init; }
    /// <summary>Empty nodes to join as control-plane members.</summary>
    public IReadOnlyList<InventoryNode> AddMasters { get; init; } = [];
    /// <summary>Allow an even or below-3 etcd member count (an explicit, visible override).</summary>
    public bool AllowUnsafeEtcdCount { get; init; }
    public int MaxUnavailableWorkers { get; init; } = 1;

    public IEnumerable<InventoryNode> AllNodes => Nodes.Concat(AddMasters);
    public IEnumerable<InventoryNode> Masters => Nodes.Where(n => n.Role == NodeRole.Master);
    public IEnumerable<InventoryNode> Workers => Nodes.Where(n => n.Role == NodeRole.Worker);
    public IEnumerable<InventoryNode> LbHosts => Nodes.Where(n => n.Role == NodeRole.Lb);

    public InventoryNode? Find(string name) => AllNodes.FirstOrDefault(n => n.Name == name);
}

public sealed record ApiEndpoint(string Host, int Port)
{
    public bool IsIp => IPAddress.TryParse(Host, out _);
    public string Url => $"https://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";
    public override string ToString() => $"{Host}:{Port}";
}

public enum NodeRole
{
    Master,
    Worker,
    Lb,
}

public sealed record InventoryNode(string Name, IPAddress Address, NodeRole Role, string Agent)
{
    public SourcePosition Position { get; init; } = SourcePosition.None;
}

public enum LoadBalancerMode
{
    LocalNginx,
    LocalHaproxy,
    DedicatedNginx,
    VipHaproxyKeepalived,
    External,
}

public sealed record LoadBalancerSettings
{
    public required LoadBalancerMode Mode { get; init; }
    /// <summary>Port the proxies listen on (never 6443 where an API server runs on the same host).</summary>
    public int ListenPort { get; init; } = 8443;
    public IPAddress? Vip { get; init; }
    /// <summary>Prefix length of the VIP's subnet (the /N of load_balancer.vip; 24 when not given).</summary>
    public int? VipPrefixLength { get; init; }
    public string Interface { get; init; } = "eth0";
    public int VirtualRouterId { get; init; } = 51;
    public string Balance { get; init; } = "leastconn";
    /// <summary>Local modes: the name mapped to 127.0.0.1 in /etc/hosts on every node.</summary>
    public bool ManageHosts { get; init; } = true;

    public static string ModeName(LoadBalancerMode mode) => mode switch
    {
        LoadBalancerMode.LocalNginx => "local-nginx",
        LoadBalancerMode.LocalHaproxy => "local-haproxy",
        LoadBalancerMode.DedicatedNginx => "dedicated-nginx",
        LoadBalancerMode.VipHaproxyKeepalived => "vip-haproxy-keepalived",
        LoadBalancerMode.External => "external",
        _ => mode.ToString(),
    };

    public static readonly IReadOnlyDictionary<string, LoadBalancerMode> Modes = Enum.GetValues<LoadBalancerMode>()
        .ToDictionary(ModeName, m => m, StringComparer.Ordinal);
}

public readonly record struct SourcePosition(int Line, int Column)
{
    public static readonly SourcePosition None = new(0, 0);
}
