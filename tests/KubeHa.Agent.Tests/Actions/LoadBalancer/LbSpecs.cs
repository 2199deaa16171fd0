using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Tests.Actions.LoadBalancer;

/// <summary>Typical specs from the seeds, shared by the unit and root tests.</summary>
internal static class LbSpecs
{
    /// <summary>local-nginx mode (seed 004): every node proxies 127.0.0.1:8443 to the masters.</summary>
    public static NginxConfigAction LocalNginx(string configPath) => new()
    {
        ConfigPath = configPath,
        ListenAddress = "127.0.0.1",
        ListenPort = 8443,
        Backends =
        {
            new LbBackend { Address = "10.151.30.11" },
            new LbBackend { Address = "10.151.30.70", Port = 6443 },
            new LbBackend { Address = "10.151.30.71" },
        },
        Balance = LbBalance.LeastConn,
        ConnectTimeoutMs = 1000,
        ProxyTimeoutS = 600,
        HealthzPort = 8081,
        WorkerProcesses = 2,
    };

    /// <summary>dedicated-nginx mode (seed 000): an extra host listening on 16443.</summary>
    public static NginxConfigAction DedicatedNginx(string configPath) => new()
    {
        ConfigPath = configPath,
        ListenPort = 16443,
        Backends = { new LbBackend { Address = "10.220.43.203" }, new LbBackend { Address = "fd00::209", Port = 6443 } },
        Balance = LbBalance.RoundRobin,
        MaxFails = 3,
        FailTimeoutS = 30,
        PidPath = "/run/nginx-lb.pid",
        ErrorLog = "/var/log/nginx/lb-error.log",
    };

    /// <summary>vip-haproxy-keepalived mode (seed 001): haproxy on every master.</summary>
    public static HaproxyConfigAction Haproxy(string configPath) => new()
    {
        ConfigPath = configPath,
        BindAddress = "0.0.0.0",
        BindPort = 8443,
        Backends =
        {
            new LbBackend { Name = "node1", Address = "10.10.10.11" },
            new LbBackend { Name = "node2", Address = "10.10.10.12" },
            new LbBackend { Name = "node3", Address = "10.10.10.13" },
        },
        Balance = LbBalance.Source,
        HealthCheck = HaproxyHealthCheck.Readyz,
        StatsPort = 10080,
    };

    public static KeepalivedConfigAction KeepalivedMaster(string configPath, string iface = "eth0") => new()
    {
        ConfigPath = configPath,
        RouterId = "lb-master-105",
        State = VrrpState.Master,
        Interface = iface,
        VirtualRouterId = 68,
        Priority = 120,
        AdvertIntS = 3,
        AuthPass = "s3cr3t-x",
        UnicastSrcIp = "10.10.10.11",
        UnicastPeers = { "10.10.10.12", "10.10.10.13" },
        VirtualIpAddresses = { "10.10.10.100/24" },
        Checks =
        {
            new KeepalivedCheck { Kind = CheckKind.Process, ProcessName = "haproxy" },
            new KeepalivedCheck { Kind = CheckKind.HttpsUrl, Port = 6443, Path = "/healthz", Weight = -20, IntervalS = 5 },
        },
    };
}
