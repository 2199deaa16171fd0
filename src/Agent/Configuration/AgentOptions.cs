using KubeHa.Agent.Drift;

namespace KubeHa.Agent.Configuration;

/// <summary>The agent's configuration, from /etc/kubeha/agent.yaml.</summary>
internal sealed class AgentOptions
{
    public const string DefaultPath = "/etc/kubeha/agent.yaml";

    /// <summary>As the inventory names this node; defaults to the host name (lower case).</summary>
    public required string NodeName { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];
    /// <summary>host:port of the mutual-TLS gRPC endpoint.</summary>
    public string Listen { get; init; } = "0.0.0.0:7443";
    /// <summary>host:port of the plain HTTP health endpoint; empty disables it.</summary>
    public string HealthListen { get; init; } = "127.0.0.1:7444";
    public required string CaFile { get; init; }
    public required string CertFile { get; init; }
    public required string KeyFile { get; init; }
    public string StateDir { get; init; } = "/var/lib/kubeha";
    /// <summary>Directories the agent may write in; everything else is refused.</summary>
    public IReadOnlyList<string> AllowedRoots { get; init; } = [];
    /// <summary>Maximum steps executed at once.</summary>
    public int MaxConcurrentSteps { get; init; } = 64;

    /// <summary>"systemd" (production) or "lab" (the lab's supervisor, lab/svc).</summary>
    public string ServiceManager { get; init; } = "systemd";
    /// <summary>The kubeadm program: a path, or a name searched in PATH.</summary>
    public string KubeadmPath { get; init; } = "kubeadm";
    /// <summary>Drift detection and reporting (endpoint, collector, intervals).</summary>
    public DriftConfig Drift { get; init; } = new();

    public string StepsDir => Path.Combine(StateDir, "steps");
    public string BackupsDir => Path.Combine(StateDir, "backups");
}
