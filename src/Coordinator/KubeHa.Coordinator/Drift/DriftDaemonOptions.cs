using System.Net;

namespace KubeHa.Coordinator.Drift;

/// <summary>Settings of `kubeha serve`.</summary>
public sealed class DriftDaemonOptions
{
    public required string StateDir { get; init; }
    /// <summary>Mutual-TLS gRPC listener for agents' drift reports.</summary>
    public required IPEndPoint Listen { get; init; }
    /// <summary>Kubeconfig for the cluster checks; null skips them.</summary>
    public string? Kubeconfig { get; init; }
    /// <summary>Server URL every kubeconfig in the cluster must use (the inventory's endpoint).</summary>
    public string EndpointUrl { get; init; } = string.Empty;
    public TimeSpan ClusterInterval { get; init; } = TimeSpan.FromSeconds(60);
}
