using KubeHa.Coordinator.Inventory;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>New masters joined one at a time; etcd's --initial-cluster made consistent; post-checks.</summary>
public static class JoinPhases
{
    public static Phase Join(PlanContext ctx)
    {
        var inv = ctx.Inventory;
        var first = ctx.FirstMaster;
        var p = new PhaseBuilder("join", "new masters joined one at a time through the endpoint; gate: etcd healthy with the expected members, the new API server ready");
        var members = inv.Masters.ToList();
        foreach (var m in inv.AddMasters)
        {
            var material = p.Agent(first.Name, $"join-material-{m.Name}", $"join material for {m.Name} (bootstrap token, certificate key, CA hash; kept in memory only)", NodeSpecs.JoinMaterial());
            var join = p.Agent(m.Name, "kubeadm-join", $"kubeadm join {inv.Endpoint} --control-plane (advertise {m.Address})", NodeSpecs.Join(inv.Endpoint.ToString(), m.Name, Specs.Address(m), inv.JoinIgnorePreflightErrors));
            join.InputsFrom = material.Id;
            members.Add(m);
            p.AgentGate(first.Name, $"etcd-health-{m.Name}", $"etcd healthy with {members.Count} members", Specs.EtcdHealth(first));
            p.AgentGate(m.Name, "apiserver-readyz", $"kube-apiserver on {m.Name} ready", Specs.Readyz(Specs.Address(m), 6443, Specs.Address(m)));
            p.Cluster($"{m.Name}.ready", $"node {m.Name} Ready", ClusterSpecs.NodesReady([m.Name]), gate: true);
            // kubeadm join points the new master's controller-manager and scheduler at its own
            // API server; like the first master's, they go through the endpoint.
            p.Agent(m.Name, "kubeconfigs", $"kubeconfigs on {m.Name} -> {ctx.EndpointUrl}", Specs.Kubeconfigs(ctx.EndpointUrl, ClientPhases.MasterKubeconfigs));
            p.Agent(m.Name, "controller-manager-restart", "kube-controller-manager restarted; waits for its secure port", NodeSpecs.RestartStaticPod("kube-controller-manager", Specs.Address(m)));
            p.Agent(m.Name, "scheduler-restart", "kube-scheduler restarted; waits for its secure port", NodeSpecs.RestartStaticPod("kube-scheduler", Specs.Address(m)));
            foreach (var host in ctx.Lb.ProxyHosts)
            {
                p.Agent(host.Name, $"{ctx.Lb.ProxyService}-{m.Name}", $"{ctx.Lb.ProxyService} backends + {m.Name}: {string.Join(", ", members.Select(b => b.Name))}",
                    ctx.Lb.ProxyConfig(host, members), wave: $"proxy-{m.Name}");
            }

            foreach (var host in ctx.Lb.ProxyHosts)
            {
                p.Agent(host.Name, $"{ctx.Lb.ProxyService}-reload-{m.Name}", $"{ctx.Lb.ProxyService} reloaded", NodeSpecs.Service(ctx.Lb.ProxyService, ServiceOperation.Reload), wave: $"proxy-reload-{m.Name}");
            }
        }

        return p.Build();
    }

    /// <summary>
    /// `--initial-cluster` made the same in every etcd manifest, one master at a time (the
    /// kubelet restarts etcd on each edit). Its own phase: a failure here rolls back only that
    /// manifest edit, never a join.
    /// </summary>
    public static Phase EtcdManifests(PlanContext ctx)
    {
        var p = new PhaseBuilder("etcd-manifests", "--initial-cluster consistent in every etcd manifest, one master at a time (etcd restarted, waited for); gate: etcd healthy");
        var initialCluster = string.Join(",", ctx.FinalMasters.Select(m => $"{m.Name}=https://{Specs.Address(m)}:2380"));
        foreach (var m in ctx.FinalMasters)
        {
            p.Agent(m.Name, "initial-cluster", $"etcd.yaml --initial-cluster={initialCluster} (kubelet restarts etcd)", Specs.EtcdInitialCluster(initialCluster));
            p.Agent(m.Name, "etcd-restart", "etcd restarted with the new manifest (out and back; waits until it listens)", NodeSpecs.RestartStaticPod("etcd", Specs.Address(m)));
            p.AgentGate(m.Name, "etcd-health", "etcd healthy (every member) after the restart", Specs.EtcdHealth(m));
        }

        return p.Build();
    }

    public static Phase PostChecks(PlanContext ctx)
    {
        var inv = ctx.Inventory;
        var p = new PhaseBuilder("post-checks", "nothing left pointing at a single master: kubeconfigs on every node, both ConfigMaps, etcd odd and healthy, CoreDNS on two nodes or more");
        foreach (var n in inv.AllNodes.Where(n => n.Role != NodeRole.Lb))
        {
            var files = n.Role == NodeRole.Worker ? ClientPhases.WorkerKubeconfigs : ClientPhases.MasterKubeconfigs;
            p.AgentVerify(n.Name, "kubeconfigs", $"every kubeconfig on {n.Name} points at {ctx.EndpointUrl}", Specs.Kubeconfigs(ctx.EndpointUrl, files), StepVerify.Unchanged, wave: "kubeconfigs");
        }

        p.AgentGate(ctx.FirstMaster.Name, "etcd-health", $"etcd healthy with {ctx.FinalMasters.Count} members", Specs.EtcdHealth(ctx.FirstMaster));
        p.Cluster("configmaps", $"kube-proxy, cluster-info and kubeadm-config point at {inv.Endpoint}", ClusterSpecs.EndpointCheck(ctx.EndpointUrl, inv.Endpoint.ToString()), gate: true);
        p.Cluster("coredns-spread", "CoreDNS replicas on at least two nodes (spread with a preferred anti-affinity and a rollout if not)", ClusterSpecs.CoreDnsSpread());
        return p.Build();
    }
}
