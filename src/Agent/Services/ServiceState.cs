namespace KubeHa.Agent.Services;

/// <summary>A service as its manager reports it.</summary>
/// <param name="Known">False when the manager does not know the service.</param>
/// <param name="Active">Running (systemd: ActiveState active or reloading).</param>
/// <param name="Enabled">Started at boot; null when that does not apply (static units, the lab supervisor).</param>
/// <param name="Description">The manager's own words, for messages ("inactive", "failed", "enabled").</param>
internal sealed record ServiceState(bool Known, bool Active, bool? Enabled, string Description);
