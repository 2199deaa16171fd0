using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using KubeHa.Common.Pki;
using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace KubeHa.Coordinator.Tests.Integration;

/// <summary>Real agent process, real sockets, real certificates.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class MutualTlsTests : IAsyncLifetime
{
    private readonly AgentFixture _fixture = new();
    private AgentProcess _agent = null!;

    public async Task InitializeAsync()
    {
        _agent = _fixture.NewAgent("master-1");
        await _agent.StartAsync();
    }

    public Task DisposeAsync()
    {
        _agent.Dispose();
        _fixture.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task GetNodeInfo_CoordinatorCertificate_Accepted()
    {
        await using var connection = _fixture.Connect("master-1", _agent.Address);
        var info = await connection.GetNodeInfoAsync(CancellationToken.None);
        Assert.Equal("master-1", info.NodeName);
        Assert.Equal("kubeha.agent.v1", info.ContractVersion);
        Assert.Contains("master", info.Roles);
    }

    [Fact]
    public async Task GetNodeInfo_NoClientCertificate_Rejected()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(_fixture.Pki.CaCert));
        var status = await CallWithAsync(clientCert: null, ca);
        AssertRejectedAtTransport(status);
    }

    [Fact]
    public async Task GetNodeInfo_CertificateFromAnotherCa_Rejected()
    {
        using var otherCa = CertificateAuthority.Create("other-ca", TimeProvider.System);
        var (cert, key) = TestPki.Issue(otherCa, _fixture.Temp.Combine("other"), "client", KubeHaIdentity.CoordinatorSubject("intruder"), false, true, TimeProvider.System);
        using var client = X509Certificate2.CreateFromPemFile(cert, key);
        var status = await CallWithAsync(client, X509Certificate2.CreateFromPem(File.ReadAllText(_fixture.Pki.CaCert)));
        AssertRejectedAtTransport(status);
    }

    [Fact]
    public async Task GetNodeInfo_ExpiredCertificateFromRightCa_Rejected()
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-10));
        using var ca = _fixture.Pki.LoadCa();
        var (cert, key) = TestPki.Issue(ca, _fixture.Temp.Combine("expired"), "client", KubeHaIdentity.CoordinatorSubject("old"), false, true, past, TimeSpan.FromDays(1));
        using var client = X509Certificate2.CreateFromPemFile(cert, key);
        Assert.True(client.NotAfter < DateTime.Now);
        var status = await CallWithAsync(client, ca.Certificate);
        AssertRejectedAtTransport(status);
    }

    [Fact]
    public async Task GetNodeInfo_AgentCertificateAsClient_RejectedForLackOfCoordinatorRole()
    {
        using var ca = _fixture.Pki.LoadCa();
        var (cert, key) = TestPki.Issue(ca, _fixture.Temp.Combine("agentrole"), "client", KubeHaIdentity.AgentSubject("worker-9"), true, true, TimeProvider.System);
        using var client = X509Certificate2.CreateFromPemFile(cert, key);
        var status = await CallWithAsync(client, ca.Certificate);
        AssertRejectedAtTransport(status);
    }

    [Fact]
    public async Task GetNodeInfo_ValidCoordinatorCertificateByRawClient_Accepted()
    {
        // The same raw client as the rejection tests, with the right certificate: proves the
        // rejections above come from the certificates, not from the test client.
        var (client, ca) = _fixture.Pki.LoadCoordinatorIdentity();
        var status = await CallWithAsync(client, ca);
        Assert.Equal(StatusCode.OK, status);
    }

    [Fact]
    public async Task Connect_AgentCertificateForAnotherNode_RefusedByCoordinator()
    {
        await using var connection = _fixture.Connect("master-2", _agent.Address);
        var e = await Assert.ThrowsAsync<AgentUnavailableException>(() => connection.GetNodeInfoAsync(CancellationToken.None));
        Assert.Contains("certificate is for node 'master-1', expected 'master-2'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The TLS layer refused the connection: the call never reached the service. With TLS 1.3 the
    /// client learns of a refused client certificate after its side of the handshake, so the
    /// failure surfaces as Unavailable or as Internal (connection reset), never as an answer.
    /// </summary>
    private static void AssertRejectedAtTransport(StatusCode status) =>
        Assert.True(status is StatusCode.Unavailable or StatusCode.Internal, $"expected a transport rejection, got {status}");

    private async Task<StatusCode> CallWithAsync(X509Certificate2? clientCert, X509Certificate2 trustedCa)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCert is null ? null : [clientCert],
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    PeerCertificateValidator.Validate(cert as X509Certificate2, trustedCa, PeerCertificateValidator.ServerAuthOid, TimeProvider.System) is null,
            },
        };
        using var channel = GrpcChannel.ForAddress($"https://{_agent.Address}", new GrpcChannelOptions { HttpHandler = handler });
        var client = new AgentService.AgentServiceClient(channel);
        try
        {
            await client.GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
