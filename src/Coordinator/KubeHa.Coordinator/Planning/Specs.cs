using KubeHa.Coordinator.Inventory;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>The agent step specs the planner uses, with the node paths filled in.</summary>
public static class Specs
{
    public static EtcdConnection LocalEtcd(InventoryNode master) => new()
    {
        Endpoints = { $"https://{Address(master)}:2379" },
        CaFile = NodePaths.EtcdCa,
        CertFile = NodePaths.EtcdHealthcheckCert,
        KeyFile = NodePaths.EtcdHealthcheckKey,
        TimeoutMs = 15000,
    };

    public static StepSpec EtcdHealth(InventoryNode master) => new()
    {
        EtcdMember = new EtcdMemberAction { Connection = LocalEtcd(master), Operation = EtcdMemberOperation.Health },
    };

    public static StepSpec EtcdSnapshot(InventoryNode master) => new()
    {
        EtcdSnapshot = new EtcdSnapshotAction { Connection = LocalEtcd(master) },
    };

    public static StepSpec Tls(string host, int port, string serverName, int attempts = 30) => new()
    {
        Probe = new ProbeAction
        {
            Kind = ProbeKind.Tls, Host = host, Port = port, ServerName = serverName, CaFile = NodePaths.CaCert,
            TimeoutMs = 3000, Attempts = attempts, IntervalMs = 1000,
        },
    };

    public static StepSpec Tcp(string host, int port, int attempts = 30) => new()
    {
        Probe = new ProbeAction { Kind = ProbeKind.Tcp, Host = host, Port = port, TimeoutMs = 3000, Attempts = attempts, IntervalMs = 1000 },
    };

    public static StepSpec Readyz(string host, int port, string serverName, int attempts = 60) => new()
    {
        Probe = new ProbeAction
        {
            Kind = ProbeKind.Https, Host = host, Port = port, ServerName = serverName, CaFile = NodePaths.CaCert, Path = "/readyz",
            ExpectedStatus = 200, TimeoutMs = 3000, Attempts = attempts, IntervalMs = 1000,
        },
    };

    public static StepSpec Kubeconfigs(string server, IEnumerable<(string Path, bool Required)> files)
    {
        var action = new KubeconfigEndpointAction { Server = server };
        action.Files.AddRange(files.Select(f => new KubeconfigFile { Path = f.Path, Required = f.Required }));
        return new StepSpec { KubeconfigEndpoint = action };
    }

    public static StepSpec ApiServerCertificate(IEnumerable<string> sans)
    {
        var action = new ApiServerCertificateAction { PkiDir = NodePaths.Pki };
        action.AddSans.AddRange(sans);
        return new StepSpec { ApiserverCertificate = action };
    }

    public static StepSpec Hosts(IEnumerable<(string Ip, string Name)> entries)
    {
        var action = new HostsBlockAction { Path = NodePaths.Hosts };
        action.Entries.AddRange(entries.GroupBy(e => e.Ip, StringComparer.Ordinal)
            .Select(g => new HostsEntry { Ip = g.Key, Names = { g.Select(e => e.Name) } }));
        return new StepSpec { HostsBlock = action };
    }

    public static StepSpec Sysctl(params (string Key, string Value)[] settings)
    {
        var action = new SysctlAction { FileName = NodePaths.SysctlFile };
        action.Settings.AddRange(settings.Select(s => new SysctlSetting { Key = s.Key, Value = s.Value }));
        return new StepSpec { Sysctl = action };
    }

    public static StepSpec EtcdInitialCluster(string initialCluster) => new()
    {
        StaticPodFlags = new StaticPodFlagsAction
        {
            ManifestPath = NodePaths.EtcdManifest,
            ContainerName = "etcd",
            Set = { new StaticPodFlag { Name = "initial-cluster", Value = initialCluster } },
        },
    };

    public static LbBackend Backend(InventoryNode master) => new() { Name = master.Name, Address = Address(master), Port = 6443 };

    public static LbBalance Balance(string balance) => balance switch
    {
        "roundrobin" or "round_robin" => LbBalance.RoundRobin,
        "source" => LbBalance.Source,
        _ => LbBalance.LeastConn,
    };

    public static string Address(InventoryNode node) => node.Address.ToString();
}
