using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KubeHa.Agent.Tests.Actions.EtcdCertificates;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using EtcdMemberSpec = KubeHa.Protos.Agent.V1.EtcdMemberAction;

namespace KubeHa.Agent.Tests.Actions.Etcd;

/// <summary>
/// A real three-member etcd 3.4 cluster with TLS (certificates issued by EtcdCertificatesAction,
/// one PKI dir per member sharing one etcd CA) on 127.0.0.1, plus a prepared fourth member that
/// tests may start after adding it. Every process is killed on dispose.
/// </summary>
public sealed class EtcdClusterFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("kubeha-etcd");
    private readonly List<EtcdProcess> _members = [];
    private readonly Stopwatch _sinceStart = new();

    internal IReadOnlyList<EtcdProcess> Members => _members;
    internal StepHarness Runner { get; private set; } = null!;
    internal string Pki(int i) => _dir.Combine($"pki-{i}");

    public string InitialCluster => string.Join(",", _members.Take(3).Select(m => $"{m.Name}={m.PeerUrl}"));

    public EtcdConnection Connection()
    {
        var c = new EtcdConnection
        {
            CaFile = Path.Combine(Pki(1), "etcd", "ca.crt"),
            CertFile = Path.Combine(Pki(1), "etcd", "healthcheck-client.crt"),
            KeyFile = Path.Combine(Pki(1), "etcd", "healthcheck-client.key"),
            TimeoutMs = 2000,
        };
        c.Endpoints.AddRange(_members.Take(3).Select(m => m.ClientUrl));
        return c;
    }

    public StepSpec Member(EtcdMemberOperation operation, Action<EtcdMemberSpec>? configure = null)
    {
        var spec = new EtcdMemberSpec { Connection = Connection(), Operation = operation };
        configure?.Invoke(spec);
        return new StepSpec { EtcdMember = spec };
    }

    public async Task InitializeAsync()
    {
        Runner = new StepHarness(_dir,
            new KubeHa.Agent.Actions.Pki.EtcdCertificatesAction(),
            new KubeHa.Agent.Actions.Etcd.EtcdMemberAction(NullLogger<KubeHa.Agent.Actions.Etcd.EtcdMemberAction>.Instance),
            new KubeHa.Agent.Actions.Etcd.EtcdSnapshotAction());
        var ports = FreePorts(8);
        for (var i = 1; i <= 4; i++)
        {
            if (i > 1)
            {
                Directory.CreateDirectory(Path.Combine(Pki(i), "etcd"));
                File.Copy(Path.Combine(Pki(1), "etcd", "ca.crt"), Path.Combine(Pki(i), "etcd", "ca.crt"));
                File.Copy(Path.Combine(Pki(1), "etcd", "ca.key"), Path.Combine(Pki(i), "etcd", "ca.key"));
            }

            var certs = await Runner.ApplyAsync(EtcdCertificatesActionTests.Spec(Pki(i), createCa: i == 1, hostName: $"etcd-{i}", hostIp: "127.0.0.1"));
            if (certs.Outcome != StepOutcome.Succeeded)
            {
                throw new InvalidOperationException($"etcd certificates for member {i}: {certs.Reason}");
            }

            _members.Add(new EtcdProcess($"etcd-{i}", ports[(i - 1) * 2], ports[((i - 1) * 2) + 1], Pki(i), _dir.Combine($"data-{i}")));
        }

        try
        {
            foreach (var m in _members.Take(3))
            {
                m.Start(InitialCluster, "new");
            }

            _sinceStart.Start();

            await WaitHealthyAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// etcd refuses membership changes ("unhealthy cluster") until the leader has been
    /// connected to every voting member for 5 s; waits for that after the last (re)start.
    /// </summary>
    public async Task WaitReadyForChangesAsync()
    {
        var wait = TimeSpan.FromSeconds(6) - _sinceStart.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    /// <summary>Restarts a stopped member and waits until the cluster is healthy again.</summary>
    internal async Task RestartAsync(EtcdProcess member)
    {
        member.Start();
        _sinceStart.Restart();
        await WaitHealthyAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Waits until HEALTH passes for every member.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        StepResult? last = null;
        while (clock.Elapsed < timeout)
        {
            last = await Runner.CheckAsync(Member(EtcdMemberOperation.Health));
            if (last.Outcome == StepOutcome.Succeeded)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"etcd cluster not healthy after {timeout}: {last?.Reason}\n{string.Join("\n---\n", _members.Select(m => m.Name + ":\n" + m.Log))}");
    }

    private static int[] FreePorts(int count) => Enumerable.Range(0, count).Select(_ => FreePort.Next()).ToArray();

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var m in _members)
        {
            m.Dispose();
        }

        Runner?.Dispose();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdClusterGroup : ICollectionFixture<EtcdClusterFixture>
{
    public const string Name = "etcd cluster";
}
