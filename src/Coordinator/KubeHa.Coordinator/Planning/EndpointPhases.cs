using KubeHa.Coordinator.Inventory;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>Load balancer, certificates and cluster config: the endpoint made real before any client uses it.</summary>
public static class EndpointPhases
{
    public static Phase LoadBalancer(PlanContext ctx)
    {
        var inv = ctx.Inventory;
        var p = new PhaseBuilder("lb", $"load balancer ({LoadBalancerSettings.ModeName(inv.LoadBalancer.Mode)}) in front of today's API server; gate: the endpoint reaches it");
        var hosts = ctx.Lb.EndpointHostsEntries();
        if (hosts.Count > 0)
        {
            foreach (var n in inv.AllNodes)
            {
                p.Agent(n.Name, "hosts", $"/etc/hosts: {string.Join(", ", hosts.Select(h => $"{h.Name} -> {h.Ip}"))}", Specs.Hosts(hosts), wave: "hosts");
            }
        }

        var backends = inv.Masters.ToList();
        if (inv.LoadBalancer.Mode == LoadBalancerMode.VipHaproxyKeepalived)
        {
            foreach (var n in ctx.Lb.ProxyHosts)
            {
                p.Agent(n.Name, "sysctl", "net.ipv4.ip_nonlocal_bind=1, net.ipv4.ip_forward=1 (persisted, applied)",
                    Specs.Sysctl(("net.ipv4.ip_nonlocal_bind", "1"), ("net.ipv4.ip_forward", "1")), wave: "sysctl");
            }
        }

        foreach (var n in ctx.Lb.ProxyHosts)
        {
            p.Agent(n.Name, ctx.Lb.ProxyService, $"{ctx.Lb.ProxyService} config: {Describe(backends)} (validated before it replaces the live one)",
                ctx.Lb.ProxyConfig(n, backends), wave: "proxy-config");
        }

        foreach (var n in ctx.Lb.ProxyHosts)
        {
            p.Agent(n.Name, $"{ctx.Lb.ProxyService}-start", $"{ctx.Lb.ProxyService} started (no change when running)",
                NodeSpecs.Service(ctx.Lb.ProxyService, ServiceOperation.Start), wave: "proxy-start");
        }

        foreach (var n in ctx.Lb.ProxyHosts)
        {
            p.Agent(n.Name, $"{ctx.Lb.ProxyService}-reload", $"{ctx.Lb.ProxyService} reloaded (the new config live)",
                NodeSpecs.Service(ctx.Lb.ProxyService, ServiceOperation.Reload), wave: "proxy-reload");
        }

        if (inv.LoadBalancer.Mode == LoadBalancerMode.VipHaproxyKeepalived)
        {
            foreach (var n in ctx.Lb.ProxyHosts)
            {
                p.Agent(n.Name, "keepalived", $"keepalived: VIP {inv.LoadBalancer.Vip} on {inv.LoadBalancer.Interface}, unicast peers", ctx.Lb.Keepalived(n), wave: "keepalived-config");
            }

            foreach (var n in ctx.Lb.ProxyHosts)
            {
                p.Agent(n.Name, "keepalived-start", "keepalived started (no change when running)", NodeSpecs.Service("keepalived", ServiceOperation.Start), wave: "keepalived-start");
            }

            foreach (var n in ctx.Lb.ProxyHosts)
            {
                p.Agent(n.Name, "keepalived-reload", "keepalived reloaded (the new config live)", NodeSpecs.Service("keepalived", ServiceOperation.Reload), wave: "keepalived-reload");
            }
        }

        // Gate: from every node that will use it, the endpoint reaches today's API server (TCP).
        foreach (var n in ctx.Lb.IsLocal ? inv.AllNodes : [ctx.FirstMaster])
        {
            p.AgentGate(n.Name, "endpoint-tcp", $"endpoint {inv.Endpoint} reaches the API server (TCP)",
                Specs.Tcp(ctx.Lb.EndpointHostSeenFrom(), inv.Endpoint.Port), wave: "endpoint-tcp");
        }

        return p.Build();
    }

    public static Phase Certificates(PlanContext ctx)
    {
        var inv = ctx.Inventory;
        var sans = ctx.ApiServerSans();
        var p = new PhaseBuilder("certs", "API server certificate re-issued with the endpoint and every master's names; gate: TLS through the endpoint verifies for the endpoint name");
        foreach (var m in inv.Masters)
        {
            p.Agent(m.Name, "apiserver-cert", $"apiserver.crt re-issued (old pair backed up) adding SANs: {string.Join(", ", sans)}", Specs.ApiServerCertificate(sans));
            p.Agent(m.Name, "apiserver-restart", "kube-apiserver restarted (manifest out and back); waits for /readyz", NodeSpecs.RestartStaticPod("kube-apiserver", Specs.Address(m)));
            p.AgentGate(m.Name, "apiserver-readyz", $"kube-apiserver on {m.Name} ready", Specs.Readyz(Specs.Address(m), 6443, Specs.Address(m)));
            p.AgentGate(m.Name, "endpoint-tls", $"TLS through {inv.Endpoint} verifies against the cluster CA for '{inv.Endpoint.Host}'",
                Specs.Tls(ctx.Lb.EndpointHostSeenFrom(), inv.Endpoint.Port, inv.Endpoint.Host));
        }

        return p.Build();
    }

    public static Phase ClusterConfig(PlanContext ctx)
    {
        var inv = ctx.Inventory;
        var p = new PhaseBuilder("cluster-config", "kubeadm-config (controlPlaneEndpoint, certSANs) and kube-public/cluster-info point at the endpoint (Kubernetes API)");
        p.Cluster("kubeadm-config", $"kubeadm-config: controlPlaneEndpoint {inv.Endpoint}, certSANs added", ClusterSpecs.KubeadmConfig(inv.Endpoint.ToString(), ctx.ApiServerSans()));
        p.Cluster("cluster-info", $"cluster-info: server {ctx.EndpointUrl}", ClusterSpecs.ClusterInfo(ctx.EndpointUrl));
        return p.Build();
    }

    private static string Describe(IEnumerable<InventoryNode> backends) =>
        "backends " + string.Join(", ", backends.Select(b => $"{b.Name} {b.Address}:6443"));
}
