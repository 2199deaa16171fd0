using Google.Protobuf.WellKnownTypes;
using KubeHa.Coordinator.Inventory;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>
/// The single-master-to-HA conversion (runbook; seeds 000 and 004) as a plan of gated phases:
/// preflight, backup, load balancer, certificates, cluster config, clients, join masters,
/// post-checks. Pure: the same inventory and run id always give the same plan.
/// </summary>
public static class ConversionPlanner
{
    public static Plan Build(ClusterInventory inventory, string runId, DateTimeOffset createdAt, string inventorySha256)
    {
        var ctx = new PlanContext(inventory);
        var plan = new Plan
        {
            RunId = runId,
            Cluster = inventory.Cluster,
            InventoryPath = inventory.Path,
            InventorySha256 = inventorySha256,
            CreatedAt = Timestamp.FromDateTimeOffset(createdAt),
        };
        plan.Phases.Add(Preflight(ctx));
        plan.Phases.Add(Backup(ctx));
        plan.Phases.Add(EndpointPhases.LoadBalancer(ctx));
        plan.Phases.Add(EndpointPhases.Certificates(ctx));
        plan.Phases.Add(EndpointPhases.ClusterConfig(ctx));
        plan.Phases.Add(ClientPhases.Clients(ctx));
        if (inventory.AddMasters.Count > 0)
        {
            plan.Phases.Add(JoinPhases.Join(ctx));
        }

        plan.Phases.Add(JoinPhases.EtcdManifests(ctx));

        plan.Phases.Add(JoinPhases.PostChecks(ctx));
        return plan;
    }

    private static Phase Preflight(PlanContext ctx)
    {
        var p = new PhaseBuilder("preflight", "agents reachable and authenticated, etcd healthy, the CA key present, the API server serving");
        var m = ctx.FirstMaster;
        var (host, port) = ctx.CurrentApiServer();
        p.AgentGate(m.Name, "etcd-health", "etcd healthy (every member)", Specs.EtcdHealth(m));
        p.AgentGate(m.Name, "apiserver-tls", $"current API server {host}:{port} verifies against the cluster CA", Specs.Tls(host, port, host, attempts: 3));
        p.AgentVerify(m.Name, "ca-key", "the API server certificate can be re-issued here (CA key present, SANs valid)",
            Specs.ApiServerCertificate(ctx.ApiServerSans()), StepVerify.CanApply);
        foreach (var n in ctx.Lb.EndpointHostsEntries().Count > 0 ? ctx.Inventory.AllNodes : [])
        {
            p.AgentVerify(n.Name, "hosts", "/etc/hosts is writable and parseable", Specs.Hosts(ctx.Lb.EndpointHostsEntries()), StepVerify.CanApply, wave: "hosts");
        }

        p.Cluster("kubeadm-config", "kubeadm-config readable through the Kubernetes API", ClusterSpecs.ReadKubeadmConfig(), gate: true);
        return p.Build();
    }

    private static Phase Backup(PlanContext ctx)
    {
        var p = new PhaseBuilder("backup", "etcd snapshot on the first master (agent state dir), before any change");
        p.Agent(ctx.FirstMaster.Name, "etcd-snapshot", "etcd snapshot saved to the agent's backup dir", Specs.EtcdSnapshot(ctx.FirstMaster));
        return p.Build();
    }
}
