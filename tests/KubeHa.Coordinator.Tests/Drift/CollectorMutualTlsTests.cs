using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using KubeHa.Coordinator.Drift;
using KubeHa.Coordinator.Tests.Integration;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Drift;

/// <summary>`kubeha serve` admits only KubeHa agent certificates, each reporting for its own node.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class CollectorMutualTlsTests : IAsyncLifetime
{
    private readonly AgentFixture _fixture = new();
    private readonly int _port = FreePort.Next();
    private ServeProcess _serve = null!;

    private string StateDir => _fixture.Temp.Combine("coordinator");

    public async Task InitializeAsync()
    {
        _serve = new ServeProcess(StateDir, _port);
        await _serve.StartAsync();
    }

    public Task DisposeAsync()
    {
        _serve.Dispose();
        _fixture.Dispose();
        return Task.CompletedTask;
    }

    private DriftCollectorService.DriftCollectorServiceClient Client(X509Certificate2 clientCert, out GrpcChannel channel)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [clientCert],
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    Common.Pki.PeerCertificateValidator.Validate(cert as X509Certificate2, _fixture.Pki.LoadCoordinatorIdentity().Ca, Common.Pki.PeerCertificateValidator.ServerAuthOid, TimeProvider.System) is null,
            },
        };
        channel = GrpcChannel.ForAddress($"https://127.0.0.1:{_port}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return new DriftCollectorService.DriftCollectorServiceClient(channel);
    }

    private X509Certificate2 AgentCertificate(string node)
    {
        var dir = _fixture.Temp.Combine("certs", node);
        _fixture.Pki.IssueAgent(node, [], [System.Net.IPAddress.Loopback], dir);
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "agent.crt"), Path.Combine(dir, "agent.key"));
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static ReportDriftRequest Report(string node, ulong sequence) => new()
    {
        Report = new DriftReport { Node = node, Sequence = sequence, Epoch = "e1", Items = { new DriftItem { Id = $"{node}/sysctl/x", Node = node, Kind = DriftKind.Sysctl, Subject = "x" } } },
    };

    [Fact]
    public async Task ReportDrift_AgentCertificate_StoredAndDuplicateAcknowledgedWithoutStoring()
    {
        using var cert = AgentCertificate("node-a");
        var client = Client(cert, out var channel);
        using (channel)
        {
            Assert.Equal(2UL, (await client.ReportDriftAsync(Report("node-a", 2))).AcknowledgedSequence);
            Assert.Equal(2UL, (await client.ReportDriftAsync(Report("node-a", 1))).AcknowledgedSequence);
            Assert.Equal(2UL, (await client.ReportDriftAsync(Report("node-a", 2))).AcknowledgedSequence);
        }

        using var store = new DriftStore(StateDir, TimeProvider.System);
        Assert.Equal([2UL], store.Sequences("node-a"));
        Assert.Single(store.Items());
    }

    [Fact]
    public async Task ReportDrift_ForAnotherNode_PermissionDenied()
    {
        using var cert = AgentCertificate("node-a");
        var client = Client(cert, out var channel);
        using (channel)
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await client.ReportDriftAsync(Report("node-b", 1)));
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        }
    }

    [Fact]
    public async Task ReportDrift_CoordinatorCertificateInsteadOfAgent_HandshakeRefused()
    {
        var (coordinator, _) = _fixture.Pki.LoadCoordinatorIdentity();
        var client = Client(coordinator, out var channel);
        using (channel)
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await client.ReportDriftAsync(Report("node-a", 1)));
            Assert.NotEqual(StatusCode.OK, e.StatusCode);
        }

        using var store = new DriftStore(StateDir, TimeProvider.System);
        Assert.Empty(store.Sequences("node-a"));
    }
}
