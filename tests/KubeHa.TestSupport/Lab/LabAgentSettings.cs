namespace KubeHa.TestSupport.Lab;

/// <summary>What goes into a lab agent's /etc/kubeha/agent.yaml besides the fixed parts (name, listen, TLS, state).</summary>
public sealed class LabAgentSettings
{
    /// <summary>Everything a conversion writes (each lab node has its own copy of every one of these paths).</summary>
    public static IReadOnlyList<string> ConversionRoots { get; } =
    [
        "/etc/kubernetes", "/etc/nginx", "/etc/haproxy", "/etc/keepalived", "/etc/hosts", "/etc/sysctl.d", "/root/.kube", "/var/lib/kubeha",
    ];

    public IReadOnlyList<string> Roles { get; init; } = ["master"];

    public IReadOnlyList<string> AllowedRoots { get; init; } = ConversionRoots;

    /// <summary>Further top-level agent.yaml lines, verbatim (e.g. "service_manager: lab").</summary>
    public IReadOnlyList<string> ExtraYaml { get; init; } = [];

    /// <summary>How long to wait for the agent's health endpoint after `svc start`.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
