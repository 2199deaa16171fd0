using KubeHa.Agent.Configuration;
using KubeHa.Agent.Drift;
using KubeHa.Agent.Hosting;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using HostsAction = KubeHa.Agent.Actions.HostsBlock.HostsBlockAction;
using KubeconfigAction = KubeHa.Agent.Actions.KubeconfigEndpoint.KubeconfigEndpointAction;
using NoopStep = KubeHa.Agent.Actions.Noop.NoopAction;
using RestoreAction = KubeHa.Agent.Drift.RestoreDesiredAction;
using StaticPodAction = KubeHa.Agent.Actions.StaticPodFlags.StaticPodFlagsAction;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>
/// A node in a temp directory: a kubeadm-like /etc/kubernetes, a real step executor that
/// records desired state, and the real checker, state, outbox and monitor on top.
/// </summary>
internal sealed class DriftHarness : IDisposable
{
    private int _steps;

    public DriftHarness(TimeProvider time, string endpoint = "", TimeSpan? interval = null, TimeSpan? debounce = null,
        string collector = "", IReadOnlyList<string>? roles = null, int bufferLimit = 1000)
    {
        Time = time;
        Directory.CreateDirectory(KubeDir);
        Options = new AgentOptions
        {
            NodeName = "node-1",
            Roles = roles ?? [],
            CaFile = Dir.Combine("ca.crt"),
            CertFile = Dir.Combine("agent.crt"),
            KeyFile = Dir.Combine("agent.key"),
            StateDir = Dir.Combine("state"),
            AllowedRoots = [Dir.Path],
            Drift = new DriftConfig
            {
                Endpoint = endpoint,
                Collector = collector,
                CheckInterval = interval ?? TimeSpan.FromHours(1),
                Debounce = debounce ?? TimeSpan.FromMilliseconds(100),
                KubernetesDir = KubeDir,
                BufferLimit = bufferLimit,
            },
        };
        Paths = new DriftPaths(KubeDir, Dir.Combine("nginx.conf"), Dir.Combine("haproxy.cfg"), Dir.Combine("keepalived.conf"), Dir.Combine("proc-sys"));
        Store = new DesiredStateStore(Options);
        Executor = new StepExecutor(Options,
            [new KubeconfigAction(), new HostsAction(), new StaticPodAction(), new RestoreAction(Store), new NoopStep()],
            time, Metrics, NullLogger<StepExecutor>.Instance, new DesiredStateRecorder(Store));
        Checker = new DriftChecker(Options, Store, Services, Paths, time);
        State = new DriftState(Options, time);
        Outbox = new DriftOutbox(Options);
    }

    public TempDir Dir { get; } = new("kubeha-drift");
    public TimeProvider Time { get; }
    public string KubeDir => Dir.Combine("etc-kubernetes");
    public AgentOptions Options { get; }
    public DriftPaths Paths { get; }
    public DesiredStateStore Store { get; }
    public StepExecutor Executor { get; }
    public DriftChecker Checker { get; }
    public DriftState State { get; }
    public DriftOutbox Outbox { get; }
    public AgentMetrics Metrics { get; } = new();
    public FakeServiceProbe Services { get; } = new();

    public DriftMonitor NewMonitor() => new(Options, Checker, State, Outbox, Metrics, Time, NullLogger<DriftMonitor>.Instance);

    public string Kubeconfig(string name, string server)
    {
        var path = Path.Combine(KubeDir, name);
        File.WriteAllText(path, KubeconfigText(server));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

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
            user: system:node:master-1
          name: system:node:master-1@kubernetes
        current-context: system:node:master-1@kubernetes
        kind: Config
        users:
        - name: system:node:master-1
          user:
            client-certificate-data: Q0VSVA==
            client-key-data: U0VDUkVUIEtFWQ==

        """;

    public Task<StepResult> ApplyAsync(StepSpec spec, string? stepId = null) =>
        RunAsync(new ExecuteStepRequest { RunId = "run-1", StepId = stepId ?? NextId(), Mode = StepMode.Apply, Step = spec });

    public async Task<StepResult> RunAsync(ExecuteStepRequest request)
    {
        StepResult? result = null;
        await foreach (var e in Executor.Start(request, CancellationToken.None).ReadAllAsync())
        {
            result = e.Result ?? result;
        }

        return result ?? throw new InvalidOperationException("no result");
    }

    public static StepSpec PointAt(string server, params string[] paths)
    {
        var action = new Protos.Agent.V1.KubeconfigEndpointAction { Server = server };
        action.Files.AddRange(paths.Select(p => new KubeconfigFile { Path = p, Required = true }));
        return new StepSpec { KubeconfigEndpoint = action };
    }

    private string NextId() => $"s{Interlocked.Increment(ref _steps)}";

    public void Dispose()
    {
        Executor.Dispose();
        Outbox.Dispose();
        Dir.Dispose();
    }
}
