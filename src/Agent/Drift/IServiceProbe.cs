namespace KubeHa.Agent.Drift;

/// <summary>
/// Whether a service runs on this node. Kept small so the agent's service manager (systemd or
/// another init) can be wired in; <see cref="ServiceProbe"/> is the default.
/// </summary>
internal interface IServiceProbe
{
    Task<bool> IsActiveAsync(string service, CancellationToken cancellationToken);
}
