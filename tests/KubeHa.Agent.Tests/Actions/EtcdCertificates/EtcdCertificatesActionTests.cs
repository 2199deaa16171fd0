using KubeHa.Agent.Tests.Steps;
using KubeHa.Agent.Tests.Support;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using ActionSpec = KubeHa.Protos.Agent.V1.EtcdCertificatesAction;

namespace KubeHa.Agent.Tests.Actions.EtcdCertificates;

public sealed class EtcdCertificatesActionTests : IDisposable
{
    private static readonly string[] Leaves = ["etcd/server", "etcd/peer", "etcd/healthcheck-client", "apiserver-etcd-client"];
    private readonly TempDir _dir = new();
    private readonly StepHarness _runner;

    public EtcdCertificatesActionTests()
    {
        _runner = new StepHarness(_dir, new KubeHa.Agent.Actions.Pki.EtcdCertificatesAction());
    }

    private string Pki => _dir.Combine("pki");

    public void Dispose()
    {
        _runner.Dispose();
        _dir.Dispose();
    }

    internal static StepSpec Spec(string pki, bool createCa, string hostName = "etcd-1", string hostIp = "192.168.56.11", params string[] extra)
    {
        var a = new ActionSpec { PkiDir = pki, CreateCa = createCa, HostName = hostName, HostIp = hostIp };
        a.ExtraSans.AddRange(extra);
        return new StepSpec { EtcdCertificates = a };
    }

    [Fact]
    [Trait(Categories.Name, Categories.Root)]
    public async Task Execute_CreateCa_IssuesKubeadmLayoutThatOpensslVerifies()
    {
        var result = await _runner.ApplyAsync(Spec(Pki, createCa: true, extra: "etcd.example"));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        var ca = Path.Combine(Pki, "etcd", "ca.crt");
        foreach (var leaf in Leaves)
        {
            var crt = Path.Combine(Pki, leaf + ".crt");
            var verify = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", ca, crt]);
            Assert.True(verify.ExitCode == 0, $"{leaf}: {verify}");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Pki, leaf + ".key")));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Pki, "etcd", "ca.key")));
        foreach (var leaf in new[] { "etcd/server", "etcd/peer" })
        {
            var text = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-text", "-in", Path.Combine(Pki, leaf + ".crt")]);
            foreach (var san in new[] { "DNS:etcd-1", "DNS:localhost", "DNS:etcd.example", "IP Address:192.168.56.11", "IP Address:127.0.0.1" })
            {
                Assert.Contains(san, text.StdOut, StringComparison.Ordinal);
            }

            Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", text.StdOut, StringComparison.Ordinal);
        }

        var client = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-subject", "-ext", "extendedKeyUsage", "-in", Path.Combine(Pki, "apiserver-etcd-client.crt")]);
        Assert.Contains("CN = kube-apiserver-etcd-client", client.StdOut, StringComparison.Ordinal);
        Assert.Contains("TLS Web Client Authentication", client.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("Server Authentication", client.StdOut, StringComparison.Ordinal);
        Assert.Equal("server,peer,healthcheck-client,apiserver-etcd-client", result.Outputs["issued"]);
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_SecondApply_ChangesNothing()
    {
        Assert.Equal(StepOutcome.Succeeded, (await _runner.ApplyAsync(Spec(Pki, createCa: true))).Outcome);
        var before = Leaves.Select(l => File.ReadAllBytes(Path.Combine(Pki, l + ".crt"))).ToList();

        var second = await _runner.ApplyAsync(Spec(Pki, createCa: false));

        Assert.Equal(StepOutcome.Succeeded, second.Outcome);
        Assert.False(second.Changed);
        Assert.Equal(string.Empty, second.Outputs["issued"]);
        Assert.Equal(before, Leaves.Select(l => File.ReadAllBytes(Path.Combine(Pki, l + ".crt"))).ToList());
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_NewExtraSan_ReissuesOnlyServerAndPeer()
    {
        Assert.Equal(StepOutcome.Succeeded, (await _runner.ApplyAsync(Spec(Pki, createCa: true))).Outcome);

        var result = await _runner.ApplyAsync(Spec(Pki, createCa: false, extra: "etcd-vip.example"));

        Assert.Equal("server,peer", result.Outputs["issued"]);
        using var server = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Pki, "etcd", "server.crt")));
        Assert.Contains("etcd-vip.example", PeerCertificateValidator.SubjectAltNames(server));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_CreateCaWhenCaExists_RefusedAndCaUntouched()
    {
        Assert.Equal(StepOutcome.Succeeded, (await _runner.ApplyAsync(Spec(Pki, createCa: true))).Outcome);
        var ca = File.ReadAllBytes(Path.Combine(Pki, "etcd", "ca.key"));

        var again = await _runner.ApplyAsync(Spec(Pki, createCa: true));

        Assert.Equal(StepOutcome.Refused, again.Outcome);
        Assert.Contains("refusing to overwrite an existing CA", again.Reason, StringComparison.Ordinal);
        Assert.Equal(ca, File.ReadAllBytes(Path.Combine(Pki, "etcd", "ca.key")));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_NoCaAndNoCreate_Refused()
    {
        var result = await _runner.ApplyAsync(Spec(Pki, createCa: false));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains(Path.Combine(Pki, "etcd", "ca.crt"), result.Reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Pki, "etcd")));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_BadHostNameAndIp_RefusedWithBothErrors()
    {
        var result = await _runner.ApplyAsync(Spec(Pki, createCa: true, hostName: "bad name!", hostIp: "300.1.1.1"));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("host_name: 'bad name!'", result.Reason, StringComparison.Ordinal);
        Assert.Contains("host_ip: '300.1.1.1'", result.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Changes);
    }
}
