namespace KubeHa.Agent.Services;

/// <summary>What a service manager can be asked to do.</summary>
internal enum ServiceVerb
{
    Start,
    Stop,
    Restart,
    Reload,
    Enable,
    Disable,
}
