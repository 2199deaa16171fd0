using System.Net;
using System.Net.Sockets;
using KubeHa.Agent.Tests.Actions.ApiServerCertificate;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Agent.Tests.Support;
using KubeHa.Common.Files;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using ProbeSpec = KubeHa.Protos.Agent.V1.ProbeAction;

namespace KubeHa.Agent.Tests.Actions.Probe;

[Trait(Categories.Name, Categories.Unit)]
public sealed class ProbeActionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly StepHarness _runner;

    public ProbeActionTests()
    {
        _runner = new StepHarness(_dir, new KubeHa.Agent.Actions.Probe.ProbeAction());
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
    }

    private string Pki => _dir.Combine("pki");
    private string Ca => Path.Combine(Pki, "ca.crt");

    public void Dispose()
    {
        _runner.Dispose();
        _dir.Dispose();
    }

    private TlsTestServer HttpsServer() =>
        new(Path.Combine(Pki, "apiserver.crt"), Path.Combine(Pki, "apiserver.key"), (line, client) =>
            line.StartsWith("GET /healthz ", StringComparison.Ordinal) ? (200, "ok")
            : line.StartsWith("GET /readyz ", StringComparison.Ordinal) ? (client is null ? 401 : 200, client is null ? "Unauthorized" : "ok:" + client.Subject)
            : (404, "not found"));

    private static StepSpec Spec(ProbeSpec p) => new() { Probe = p };

    [Fact]
    public async Task Tcp_ListeningPort_Succeeds()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        var result = await _runner.ApplyAsync(Spec(new ProbeSpec { Kind = ProbeKind.Tcp, Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port }));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.False(result.Changed);
        Assert.Equal("1", result.Outputs["attempts"]);
    }

    [Fact]
    public async Task Check_ClosedPort_TriesOnceAndSaysTheRunWouldRetry()
    {
        var port = FreePort.Next();

        var result = await _runner.CheckAsync(Spec(new ProbeSpec { Kind = ProbeKind.Tcp, Host = "127.0.0.1", Port = port, Attempts = 30, IntervalMs = 1000 }));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("does not pass now (dry run: one attempt; the run tries 30 time(s))", result.Reason, StringComparison.Ordinal);
        Assert.Contains("refused", result.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Check_Listening_Passes()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        var result = await _runner.CheckAsync(Spec(new ProbeSpec { Kind = ProbeKind.Tcp, Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port, Attempts = 30 }));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
    }

    [Fact]
    public async Task Tcp_ClosedPort_FailsAfterEveryAttempt()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await _runner.ApplyAsync(Spec(new ProbeSpec { Kind = ProbeKind.Tcp, Host = "127.0.0.1", Port = port, Attempts = 3, IntervalMs = 20 }));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("after 3 attempt(s)", result.Reason, StringComparison.Ordinal);
        Assert.Contains("refused", result.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Tls_OtherCa_FailsChainCheck()
    {
        await using var server = new TlsTestServer(Path.Combine(Pki, "apiserver.crt"), Path.Combine(Pki, "apiserver.key"));
        var otherPki = _dir.Combine("other");
        KubeadmPki.Create(otherPki, KeyAlgorithm.EcdsaP256);

        var result = await _runner.ApplyAsync(Spec(new ProbeSpec { Kind = ProbeKind.Tls, Host = "127.0.0.1", Port = server.Port, CaFile = Path.Combine(otherPki, "ca.crt"), ServerName = "kubernetes" }));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("is not valid for this CA", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_Healthz_SucceedsWithBody()
    {
        await using var server = HttpsServer();

        var result = await _runner.ApplyAsync(Spec(new ProbeSpec { Kind = ProbeKind.Https, Host = "127.0.0.1", Port = server.Port, CaFile = Ca, ServerName = "kubernetes.default" }));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal("200", result.Outputs["status"]);
        Assert.Equal("ok", result.Outputs["body"]);
        Assert.False(result.Changed);
    }

    [Fact]
    public async Task Https_UnexpectedStatus_FailsNamingIt()
    {
        await using var server = HttpsServer();

        var result = await _runner.ApplyAsync(Spec(new ProbeSpec { Kind = ProbeKind.Https, Host = "127.0.0.1", Port = server.Port, CaFile = Ca, ServerName = "kubernetes", Path = "/readyz" }));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("status 401, expected 200", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_ClientCertificate_IsPresented()
    {
        await using var server = HttpsServer();
        using (var ca = CertificateAuthority.Load(Ca, Path.Combine(Pki, "ca.key")))
        using (var key = KeyFactory.Create(KeyAlgorithm.EcdsaP256))
        using (var cert = ca.Sign(new CertificateRequestSpec { Subject = new("CN=kubeha-probe"), ClientAuth = true }, key, TimeProvider.System))
        {
            AtomicFile.WriteAllText(_dir.Combine("client.crt"), cert.ExportCertificatePem(), AtomicFile.DefaultMode);
            AtomicFile.WriteAllText(_dir.Combine("client.key"), KeyFactory.ExportPrivateKeyPem(key), AtomicFile.PrivateMode);
        }

        var result = await _runner.ApplyAsync(Spec(new ProbeSpec
        {
            Kind = ProbeKind.Https,
            Host = "127.0.0.1",
            Port = server.Port,
            CaFile = Ca,
            ServerName = "kubernetes",
            Path = "/readyz",
            ClientCertFile = _dir.Combine("client.crt"),
            ClientKeyFile = _dir.Combine("client.key"),
        }));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal("ok:CN=kubeha-probe", result.Outputs["body"]);
    }

    [Fact]
    public async Task Https_NameNotInCertificate_Fails()
    {
        await using var server = HttpsServer();

        var result = await _runner.ApplyAsync(Spec(new ProbeSpec { Kind = ProbeKind.Https, Host = "127.0.0.1", Port = server.Port, CaFile = Ca, ServerName = "api.k8s.local", Attempts = 2, IntervalMs = 10 }));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("not valid for 'api.k8s.local'", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_InvalidSettings_RefusedWithEveryError()
    {
        var result = await _runner.ApplyAsync(Spec(new ProbeSpec { Kind = ProbeKind.Https, Host = "", Port = 70000, Path = "healthz" }));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("host is empty", result.Reason, StringComparison.Ordinal);
        Assert.Contains("port must be 1..65535", result.Reason, StringComparison.Ordinal);
        Assert.Contains("ca_file is required", result.Reason, StringComparison.Ordinal);
        Assert.Contains("path must start with '/'", result.Reason, StringComparison.Ordinal);
    }
}
