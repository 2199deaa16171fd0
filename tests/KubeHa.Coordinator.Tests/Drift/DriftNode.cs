using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Tests.Integration;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Tests.Drift;

/// <summary>
/// A real agent whose kubernetes_dir is inside its allowed root, with a kubeadm-like tree
/// (static pod manifests, kubelet.conf on master-1's address), pushing to a collector port.
/// </summary>
internal static class DriftNode
{
    public const string Endpoint = "https://api.k8s.local:8443";
    public const string MasterServer = "https://10.0.0.11:6443";

    public static AgentProcess Create(AgentFixture fixture, string node, int collectorPort)
    {
        var agent = fixture.NewAgent(node, $"""
            collector: 127.0.0.1:{collectorPort}
            kubernetes_dir: {"{ROOT}"}/kubernetes
            drift_debounce_ms: 100
            drift_retry_max_s: 2
            """);
        var manifests = Path.Combine(agent.Root, "kubernetes", "manifests");
        Directory.CreateDirectory(manifests);
        foreach (var name in new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler" })
        {
            File.WriteAllText(Path.Combine(manifests, name + ".yaml"), "apiVersion: v1\nkind: Pod\n");
        }

        File.WriteAllText(Kubelet(agent), KubeconfigText(MasterServer));
        return agent;
    }

    public static string Kubelet(AgentProcess agent) => Path.Combine(agent.Root, "kubernetes", "kubelet.conf");

    public static string KubeconfigText(string server) => $"""
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: Q0EgZGF0YQ==
            server: {server}
          name: kubernetes
        contexts:
        - context: {"{ cluster: kubernetes, user: node }"}
          name: node@kubernetes
        current-context: node@kubernetes
        kind: Config
        users:
        - name: node
          user:
            client-key-data: U0VDUkVUIEtFWQ==

        """;

    /// <summary>Points kubelet.conf at the endpoint through a real step: the agent records it as desired state.</summary>
    public static async Task PointAtEndpointAsync(AgentFixture fixture, AgentProcess agent)
    {
        await using var connection = fixture.Connect(agent.Node, agent.Address);
        var action = new KubeconfigEndpointAction { Server = Endpoint };
        action.Files.Add(new KubeconfigFile { Path = Kubelet(agent), Required = true });
        var result = await new StepSubmitter(TimeProvider.System).RunAsync(connection,
            new ExecuteStepRequest { RunId = "convert-1", StepId = "kubeconfig", Mode = StepMode.Apply, Step = new StepSpec { KubeconfigEndpoint = action } },
            NullStepObserver.Instance, CancellationToken.None);
        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
    }

    public static async Task<T> WaitForAsync<T>(Func<T?> probe, TimeSpan limit, string what)
        where T : class
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{what}: not within {limit}");
    }
}
