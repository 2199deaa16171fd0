using System.Globalization;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>
/// Every client switched to the endpoint: masters one at a time (kubelet, controller-manager,
/// scheduler, admin), then workers in waves of max_unavailable_workers, then kube-proxy.
/// </summary>
public static class ClientPhases
{
    public static IReadOnlyList<(string Path, bool Required)> MasterKubeconfigs { get; } =
    [
        (NodePaths.KubeletConf, true), (NodePaths.ControllerManagerConf, true), (NodePaths.SchedulerConf, true),
        (NodePaths.AdminConf, true), (NodePaths.SuperAdminConf, false), (NodePaths.RootKubeconfig, false),
    ];

    public static IReadOnlyList<(string Path, bool Required)> WorkerKubeconfigs { get; } =
        [(NodePaths.KubeletConf, true), (NodePaths.RootKubeconfig, false)];

    public static Phase Clients(PlanContext ctx)
    {
        var inv = ctx.Inventory;
        var p = new PhaseBuilder("clients", $"every kubeconfig switched to {ctx.EndpointUrl}; masters one at a time, then workers in waves of {inv.MaxUnavailableWorkers}; kube-proxy last");
        foreach (var m in inv.Masters)
        {
            p.Agent(m.Name, "kubeconfigs", $"kubelet, controller-manager, scheduler and admin kubeconfigs -> {ctx.EndpointUrl}", Specs.Kubeconfigs(ctx.EndpointUrl, MasterKubeconfigs));
            p.Agent(m.Name, "kubelet-restart", "kubelet restarted", NodeSpecs.Service("kubelet", ServiceOperation.Restart));
            p.Agent(m.Name, "controller-manager-restart", "kube-controller-manager restarted; waits for its /healthz", NodeSpecs.RestartStaticPod("kube-controller-manager", Specs.Address(m)));
            p.Agent(m.Name, "scheduler-restart", "kube-scheduler restarted; waits for its /healthz", NodeSpecs.RestartStaticPod("kube-scheduler", Specs.Address(m)));
            p.Cluster($"{m.Name}.ready", $"node {m.Name} Ready", ClusterSpecs.NodesReady([m.Name]), gate: true);
        }

        var workers = inv.Workers.ToList();
        var size = Math.Max(1, inv.MaxUnavailableWorkers);
        for (var i = 0; i < workers.Count; i += size)
        {
            var wave = workers.Skip(i).Take(size).ToList();
            var label = (i / size + 1).ToString(CultureInfo.InvariantCulture);
            foreach (var w in wave)
            {
                p.Agent(w.Name, "kubeconfigs", $"kubelet kubeconfig -> {ctx.EndpointUrl}", Specs.Kubeconfigs(ctx.EndpointUrl, WorkerKubeconfigs), wave: $"workers-{label}-kubeconfigs");
            }

            foreach (var w in wave)
            {
                p.Agent(w.Name, "kubelet-restart", "kubelet restarted", NodeSpecs.Service("kubelet", ServiceOperation.Restart), wave: $"workers-{label}-restart");
            }

            p.Cluster($"workers-{label}.ready", $"nodes {string.Join(", ", wave.Select(w => w.Name))} Ready", ClusterSpecs.NodesReady([.. wave.Select(w => w.Name)]), gate: true);
        }

        p.Cluster("kube-proxy", $"kube-proxy ConfigMap -> {ctx.EndpointUrl}; DaemonSet rollout restart", ClusterSpecs.KubeProxy(ctx.EndpointUrl));
        return p.Build();
    }
}
