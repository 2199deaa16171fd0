using KubeHa.Agent.Steps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KubeHa.Agent.Drift;

internal static class DriftServiceCollectionExtensions
{
    /// <summary>Desired state recording, the drift monitor, its push client and the corrective action.</summary>
    public static IServiceCollection AddKubeHaDrift(this IServiceCollection services)
    {
        services.TryAddSingleton<DriftState>();
        services.TryAddSingleton<DesiredStateStore>();
        services.TryAddSingleton<DesiredStateRecorder>();
        services.TryAddSingleton<IServiceProbe, ServiceProbe>();
        services.TryAddSingleton<DriftChecker>();
        services.TryAddSingleton<DriftOutbox>();
        services.TryAddSingleton<DriftMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<DriftMonitor>());
        services.AddHostedService<DriftPusher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepAction, RestoreDesiredAction>());
        return services;
    }
}
