namespace KubeHa.Agent.Services;

/// <summary>
/// Starts, stops and inspects services: systemd on real hosts, the lab's supervisor in the lab
/// (agent config <c>service_manager</c>).
/// </summary>
internal interface IServiceManager
{
    /// <summary>"systemd" or "lab", for messages.</summary>
    string Name { get; }

    /// <summary>False for managers without boot-time enablement (the lab supervisor).</summary>
    bool SupportsEnable { get; }

    /// <returns>null when the manager can be used, else why not (program missing, not a lab node).</returns>
    string? Unavailable();

    /// <exception cref="ServiceManagerException">The manager could not answer.</exception>
    Task<ServiceState> GetStateAsync(string service, CancellationToken cancellationToken);

    /// <summary>Runs the verb and waits for the manager to finish it.</summary>
    Task<ServiceCommandResult> RunAsync(ServiceVerb verb, string service, CancellationToken cancellationToken);
}
