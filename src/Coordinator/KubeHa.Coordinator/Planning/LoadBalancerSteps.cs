using KubeHa.Coordinator.Inventory;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>
/// The load balancer of each mode: which hosts run which proxy, their configs for a given
/// backend list, and the address a node uses to reach the endpoint.
/// </summary>
public sealed class LoadBalancerSteps(ClusterInventory inventory)
{
    private LoadBalancerSettings Lb => inventory.LoadBalancer;

    /// <summary>Future masters (add_masters) count as masters for the proxies they will host.</summary>
    private IEnumerable<InventoryNode> AllMasters => inventory.Masters.Concat(inventory.AddMasters);

    /// <summary>Hosts that run a proxy (empty for external).</summary>
    public IReadOnlyList<InventoryNode> ProxyHosts => Lb.Mode switch
    {
        LoadBalancerMode.LocalNginx or LoadBalancerMode.LocalHaproxy => [.. inventory.AllNodes],
        LoadBalancerMode.DedicatedNginx => [.. inventory.LbHosts],
        LoadBalancerMode.VipHaproxyKeepalived => [.. AllMasters],
        _ => [],
    };

    public bool IsLocal => Lb.Mode is LoadBalancerMode.LocalNginx or LoadBalancerMode.LocalHaproxy;

    private bool UsesNginx => Lb.Mode is LoadBalancerMode.LocalNginx or LoadBalancerMode.DedicatedNginx;

    public string ProxyService => UsesNginx ? "nginx" : "haproxy";

    /// <summary>Where a node's probe reaches the endpoint: itself for local proxies, else the endpoint host.</summary>
    public string EndpointHostSeenFrom() => IsLocal ? "127.0.0.1" : inventory.Endpoint.Host;

    /// <summary>/etc/hosts entries every node needs for the endpoint name (none when it is an IP).</summary>
    public IReadOnlyList<(string Ip, string Name)> EndpointHostsEntries()
    {
        if (inventory.Endpoint.IsIp || !Lb.ManageHosts)
        {
            return [];
        }

        return Lb.Mode switch
        {
            LoadBalancerMode.LocalNginx or LoadBalancerMode.LocalHaproxy => [("127.0.0.1", inventory.Endpoint.Host)],
            LoadBalancerMode.DedicatedNginx when inventory.LbHosts.FirstOrDefault() is { } lb => [(Specs.Address(lb), inventory.Endpoint.Host)],
            LoadBalancerMode.VipHaproxyKeepalived when Lb.Vip is not null => [(Lb.Vip.ToString(), inventory.Endpoint.Host)],
            _ => [],
        };
    }

    /// <summary>The proxy config of <paramref name="host"/> forwarding to <paramref name="backends"/>.</summary>
    public StepSpec ProxyConfig(InventoryNode host, IEnumerable<InventoryNode> backends)
    {
        var list = backends.Select(Specs.Backend).ToList();
        if (UsesNginx)
        {
            var nginx = new NginxConfigAction
            {
                ConfigPath = NodePaths.NginxConf,
                ListenAddress = IsLocal ? "127.0.0.1" : "0.0.0.0",
                ListenPort = (uint)inventory.Endpoint.Port,
                Balance = Specs.Balance(Lb.Balance),
                ConnectTimeoutMs = 1000,
                HealthzPort = 8081,
                HealthzAddress = "127.0.0.1",
            };
            nginx.Backends.AddRange(list);
            return new StepSpec { NginxConfig = nginx };
        }

        var haproxy = new HaproxyConfigAction
        {
            ConfigPath = NodePaths.HaproxyCfg,
            BindAddress = IsLocal ? "127.0.0.1" : string.Empty,
            BindPort = (uint)inventory.Endpoint.Port,
            Balance = Specs.Balance(Lb.Balance),
            HealthCheck = HaproxyHealthCheck.Readyz,
        };
        haproxy.Backends.AddRange(list);
        return new StepSpec { HaproxyConfig = haproxy };
    }

    /// <summary>keepalived of VIP mode: the first master starts as MASTER, the others BACKUP with lower priorities.</summary>
    public StepSpec Keepalived(InventoryNode host)
    {
        var masters = AllMasters.ToList();
        var index = masters.FindIndex(m => m.Name == host.Name);
        var action = new KeepalivedConfigAction
        {
            ConfigPath = NodePaths.KeepalivedConf,
            RouterId = host.Name,
            InstanceName = "kubeha_api",
            State = index == 0 ? VrrpState.Master : VrrpState.Backup,
            Interface = Lb.Interface,
            VirtualRouterId = (uint)Lb.VirtualRouterId,
            Priority = (uint)(150 - (10 * index)),
            AdvertIntS = 1,
            UnicastSrcIp = Specs.Address(host),
            Checks = { new KeepalivedCheck { Kind = CheckKind.Process, ProcessName = "haproxy", Weight = -30, IntervalS = 2, Fall = 2, Rise = 2 } },
        };
        action.UnicastPeers.AddRange(masters.Where(m => m.Name != host.Name).Select(Specs.Address));
        action.VirtualIpAddresses.Add($"{Lb.Vip}/{VipPrefix()}");
        return new StepSpec { KeepalivedConfig = action };
    }

    private int VipPrefix() => inventory.LoadBalancer.VipPrefixLength ?? 24;
}
