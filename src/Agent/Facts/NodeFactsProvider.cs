using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Google.Protobuf.WellKnownTypes;
using KubeHa.Agent.Configuration;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Facts;

/// <summary>Identity and facts of this node, as reported by GetNodeInfo.</summary>
internal sealed class NodeFactsProvider(AgentOptions options, TimeProvider time)
{
    public const string ContractVersion = "kubeha.agent.v1";

    private static readonly (Component Component, string Binary)[] Components =
    [
        (Component.Kubeadm, "kubeadm"),
        (Component.Kubelet, "kubelet"),
        (Component.Etcd, "etcd"),
        (Component.Nginx, "nginx"),
        (Component.Haproxy, "haproxy"),
        (Component.Keepalived, "keepalived"),
    ];

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public static string AgentVersion =>
        typeof(NodeFactsProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public GetNodeInfoResponse Collect()
    {
        var response = new GetNodeInfoResponse
        {
            NodeName = options.NodeName,
            OsDescription = OsPrettyName(),
            Kernel = RuntimeInformation.OSDescription,
            AgentVersion = AgentVersion,
            ContractVersion = ContractVersion,
            StartedAt = Timestamp.FromDateTimeOffset(_startedAt),
        };
        response.Roles.AddRange(options.Roles);
        response.Addresses.AddRange(Addresses());
        foreach (var (component, binary) in Components)
        {
            var path = FindOnPath(binary);
            response.Components.Add(new ComponentFact { Component = component, Present = path is not null, Path = path ?? string.Empty });
        }

        return response;
    }

    private static IEnumerable<string> Addresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork ||
                        (a.Address.AddressFamily == AddressFamily.InterNetworkV6 && !a.Address.IsIPv6LinkLocal))
            .Select(a => a.Address.ToString())
            .Distinct();

    private static string OsPrettyName()
    {
        const string osRelease = "/etc/os-release";
        if (File.Exists(osRelease))
        {
            foreach (var line in File.ReadLines(osRelease))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }
        }

        return RuntimeInformation.OSDescription;
    }

    internal static string? FindOnPath(string binary)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, binary);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
