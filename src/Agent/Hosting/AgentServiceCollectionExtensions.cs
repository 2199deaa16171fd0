using KubeHa.Agent.Actions.Etcd;
using KubeHa.Agent.Actions.HostsBlock;
using KubeHa.Agent.Actions.Kubeadm;
using KubeHa.Agent.Actions.KubeconfigEndpoint;
using KubeHa.Agent.Actions.LoadBalancer;
using KubeHa.Agent.Actions.Noop;
using KubeHa.Agent.Actions.Pki;
using KubeHa.Agent.Actions.Probe;
using KubeHa.Agent.Actions.Service;
using KubeHa.Agent.Actions.StaticPodFlags;
using KubeHa.Agent.Actions.StaticPodRestart;
using KubeHa.Agent.Actions.Sysctl;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Drift;
using KubeHa.Agent.Facts;
using KubeHa.Agent.Services;
using KubeHa.Agent.Steps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KubeHa.Agent.Hosting;

internal static class AgentServiceCollectionExtensions
{
    /// <summary>Registers the agent's services and every typed action.</summary>
    public static IServiceCollection AddKubeHaAgent(this IServiceCollection services, AgentOptions options)
    {
        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentMetrics>();
        services.TryAddSingleton<NodeFactsProvider>();
        services.TryAddSingleton<StepExecutor>();
        services.TryAddSingleton<IServiceManager>(sp => options.ServiceManager == "lab"
            ? new LabServiceManager(sp.GetRequiredService<TimeProvider>())
            : new SystemdServiceManager(sp.GetRequiredService<TimeProvider>()));
        services.AddKubeHaDrift();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, NoopAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, ApiServerCertificateAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, EtcdCertificatesAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, EtcdMemberAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, EtcdSnapshotAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, ProbeAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, KubeconfigEndpointAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, StaticPodFlagsAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, HostsBlockAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, SysctlAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, NginxConfigAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, HaproxyConfigAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, KeepalivedConfigAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, ServiceAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, StaticPodRestartAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, KubeadmJoinMaterialAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, KubeadmJoinAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, KubeadmUploadConfigAction>());
        return services;
    }
}
