using System.Globalization;
using k8s.Models;

namespace KubeHa.Lab.Kubelet;

/// <summary>The Node object and the status the kubelet would post for this node.</summary>
internal static class NodeStatusBuilder
{
    public const string KubeletVersion = "v1.20.2";

    public static V1Node NewNode(StandInOptions options, DateTime now) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta
        {
            Name = options.NodeName,
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/hostname"] = options.NodeName,
                ["kubernetes.io/os"] = "linux",
                ["kubernetes.io/arch"] = "amd64",
                ["beta.kubernetes.io/os"] = "linux",
                ["beta.kubernetes.io/arch"] = "amd64",
            },
            Annotations = new Dictionary<string, string>
            {
                ["node.alpha.kubernetes.io/ttl"] = "0",
                ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
            },
        },
        Spec = new V1NodeSpec(),
        Status = Status(options, now, existing: null),
    };

    public static V1NodeStatus Status(StandInOptions options, DateTime now, V1NodeStatus? existing)
    {
        V1NodeCondition Condition(string type, string status, string reason, string message)
        {
            var previous = existing?.Conditions?.FirstOrDefault(c => c.Type == type);
            var transition = previous is not null && previous.Status == status ? previous.LastTransitionTime ?? now : now;
            return new V1NodeCondition { Status = status, Type = type, LastHeartbeatTime = now, LastTransitionTime = transition, Message = message, Reason = reason };
        }

        var memoryKi = MemoryKi();
        var cpu = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(cpu),
            ["memory"] = new($"{memoryKi}Ki"),
            ["pods"] = new("110"),
            ["ephemeral-storage"] = new("20Gi"),
        };
        return new V1NodeStatus
        {
            Conditions =
            [
                Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status (kubeha lab stand-in)"),
            ],
            Addresses =
            [
                new V1NodeAddress { Address = options.NodeIp!, Type = "InternalIP" },
                new V1NodeAddress { Address = options.NodeName, Type = "Hostname" },
            ],
            Capacity = resources,
            Allocatable = resources,
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
            NodeInfo = new V1NodeSystemInfo
            {
                Architecture = "amd64",
                BootID = ReadOr("/proc/sys/kernel/random/boot_id", "lab"),
                ContainerRuntimeVersion = "kubeha-lab://0.1.0",
                KernelVersion = ReadOr("/proc/sys/kernel/osrelease", "unknown"),
                KubeProxyVersion = KubeletVersion,
                KubeletVersion = KubeletVersion,
                MachineID = options.NodeName,
                OperatingSystem = "linux",
                OsImage = "kubeha lab node (no container runtime)",
                SystemUUID = options.NodeName,
            },
        };
    }

    private static string ReadOr(string file, string fallback)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (IOException)
        {
            return fallback;
        }
    }

    private static long MemoryKi()
    {
        foreach (var line in ReadOr("/proc/meminfo", string.Empty).Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && f[0] == "MemTotal:" && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ki))
            {
                return ki;
            }
        }

        return 1024 * 1024;
    }
}
