using System.Globalization;
using System.Net;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Drift;
using KubeHa.Coordinator.Pki;

namespace KubeHa.Bench;

/// <summary>
/// N simulated nodes on disk: a KubeHa PKI, and per node its own certificate, state directory and
/// root holding a kubeadm-like kubelet.conf on master-1's address; agents listen on consecutive
/// loopback ports.
/// </summary>
internal sealed class Fleet(string dir, int count, int basePort)
{
    public const string OldServer = "https://10.0.0.11:6443";
    public const string NewServer = "https://api.k8s.local:8443";

    /// <summary>Where the fan-out's second (warm) apply points every node.</summary>
    public const string WarmServer = "https://api-2.k8s.local:8443";

    public string Dir => dir;
    public int Count => count;
    public int BasePort => basePort;
    public PkiStore Pki { get; } = new(Path.Combine(dir, "coordinator"), TimeProvider.System);

    public static string Node(int i) => string.Create(CultureInfo.InvariantCulture, $"node-{i:D4}");

    public string NodeDir(int i) => Path.Combine(dir, "nodes", Node(i));
    public string Root(int i) => Path.Combine(NodeDir(i), "root");
    public string Kubelet(int i) => Path.Combine(Root(i), "kubernetes", "kubelet.conf");
    public string Address(int i) => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{basePort + i}");

    public void Create()
    {
        if (!Pki.Exists)
        {
            Pki.Init([], []);
        }

        for (var i = 0; i < count; i++)
        {
            var certDir = Path.Combine(NodeDir(i), "pki");
            if (!File.Exists(Path.Combine(certDir, "agent.crt")))
            {
                Pki.IssueAgent(Node(i), [], [IPAddress.Loopback], certDir);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Kubelet(i))!);
            File.WriteAllText(Kubelet(i), KubeconfigText(OldServer));
        }
    }

    public AgentOptions Options(int i) => new()
    {
        NodeName = Node(i),
        Roles = ["worker"],
        Listen = Address(i),
        HealthListen = string.Empty,
        CaFile = Path.Combine(NodeDir(i), "pki", "ca.crt"),
        CertFile = Path.Combine(NodeDir(i), "pki", "agent.crt"),
        KeyFile = Path.Combine(NodeDir(i), "pki", "agent.key"),
        StateDir = Path.Combine(NodeDir(i), "state"),
        AllowedRoots = [Root(i)],
        Drift = new DriftConfig { KubernetesDir = Path.Combine(Root(i), "kubernetes") },
    };

    public static string KubeconfigText(string server) => $"""
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: Q0EgZGF0YQ==
            server: {server}
          name: kubernetes
        contexts:
        - context:
            cluster: kubernetes
            user: system:node:worker
          name: system:node:worker@kubernetes
        current-context: system:node:worker@kubernetes
        kind: Config
        preferences: {"{}"}
        users:
        - name: system:node:worker
          user:
            client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem
            client-key: /var/lib/kubelet/pki/kubelet-client-current.pem

        """;
}
