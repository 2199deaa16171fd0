using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>One LB mode of the end-to-end issue: its inventory, endpoint and extra lab nodes.</summary>
public sealed record E2EScenario(string Name, string EndpointHost, int EndpointPort, string[] ExtraNodes)
{
    /// <summary>Scenario 1: nginx on every node at 127.0.0.1, the endpoint a name in /etc/hosts.</summary>
    public static E2EScenario LocalNginx { get; } = new("local-nginx", "api.k8s.local", 8443, []);

    /// <summary>Scenario 2: haproxy on every master, keepalived holding a VIP in the lab subnet.</summary>
    public static E2EScenario VipHaproxyKeepalived { get; } = new("vip-haproxy-keepalived", LabCli.Ip(100), 8443, []);

    /// <summary>Scenario 3: nginx on its own LB host (seed 000).</summary>
    public static E2EScenario DedicatedNginx { get; } = new("dedicated-nginx", string.Empty, 16443, ["lb-1"]);

    public string Endpoint(Func<string, string> ip) => $"https://{EndpointName(ip)}:{EndpointPort}";

    /// <summary>The endpoint's host: for the dedicated LB, the LB node's address.</summary>
    public string EndpointName(Func<string, string> ip) => EndpointHost.Length > 0 ? EndpointHost : ip("lb-1");

    public string Inventory(Func<string, string> ip)
    {
        string Node(string name, string? role) =>
            $"  - {{ name: {name}, address: {ip(name)},{(role is null ? string.Empty : $" role: {role},")} agent: \"{ip(name)}:{LabAgents.GrpcPort}\" }}\n";
        var lb = Name switch
        {
            "local-nginx" => $"{{ mode: local-nginx, listen_port: {EndpointPort}, balance: leastconn }}",
            "vip-haproxy-keepalived" => $"{{ mode: vip-haproxy-keepalived, vip: {EndpointHost}/24, interface: eth0, virtual_router_id: 51, listen_port: {EndpointPort}, balance: roundrobin }}",
            "dedicated-nginx" => $"{{ mode: dedicated-nginx, listen_port: {EndpointPort} }}",
            _ => throw new InvalidOperationException($"unknown scenario {Name}"),
        };
        return $"# The e2e lab (lab {LabCli.Id}): 1 master + 2 workers -> 3 masters, {Name}.\n"
            + "cluster: e2e\n"
            + $"kubeconfig: {LabCli.AdminConf}\n"
            + $"current_api_server: \"{ip("master-1")}:6443\"\n"
            + $"endpoint: {{ host: {EndpointName(ip)}, port: {EndpointPort} }}\n"
            + $"load_balancer: {lb}\n"
            + "join_ignore_preflight_errors: [all]\n"
            + "nodes:\n"
            + Node("master-1", "master") + Node("worker-1", "worker") + Node("worker-2", "worker")
            + string.Concat(ExtraNodes.Select(n => Node(n, "lb")))
            + "add_masters:\n" + Node("master-2", null) + Node("master-3", null);
    }
}
