using KubeHa.Agent.Tests.Steps;
using KubeHa.Agent.Tests.Support;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using ActionSpec = KubeHa.Protos.Agent.V1.ApiServerCertificateAction;

namespace KubeHa.Agent.Tests.Actions.ApiServerCertificate;

public sealed class ApiServerCertificateActionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly StepHarness _runner;

    public ApiServerCertificateActionTests()
    {
        _runner = new StepHarness(_dir, new KubeHa.Agent.Actions.Pki.ApiServerCertificateAction(), new KubeHa.Agent.Actions.Probe.ProbeAction());
    }

    private string Pki => _dir.Combine("pki");
    private string CertPath => Path.Combine(Pki, "apiserver.crt");
    private string KeyPath => Path.Combine(Pki, "apiserver.key");

    public void Dispose()
    {
        _runner.Dispose();
        _dir.Dispose();
    }

    private StepSpec Spec(IEnumerable<string> add, IEnumerable<string>? remove = null, bool keepKey = false)
    {
        var a = new ActionSpec { PkiDir = Pki, KeepKey = keepKey };
        a.AddSans.AddRange(add);
        a.RemoveSans.AddRange(remove ?? []);
        return new StepSpec { ApiserverCertificate = a };
    }

    [Theory]
    [Trait(Categories.Name, Categories.Root)]
    [InlineData(KeyAlgorithm.Rsa2048)]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    public async Task Execute_NewSans_OpensslVerifiesAndListsOldAndNewSans(KeyAlgorithm algorithm)
    {
        KubeadmPki.Create(Pki, algorithm);
        var oldKey = await File.ReadAllBytesAsync(KeyPath);

        var result = await _runner.ApplyAsync(Spec(["api.k8s.local", "192.168.56.100"]));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.True(result.Changed);
        var verify = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", Path.Combine(Pki, "ca.crt"), CertPath]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains(": OK", verify.StdOut, StringComparison.Ordinal);
        var text = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-text", "-in", CertPath]);
        Assert.Equal(0, text.ExitCode);
        foreach (var dns in KubeadmPki.DnsSans.Append("api.k8s.local"))
        {
            Assert.Contains($"DNS:{dns}", text.StdOut, StringComparison.Ordinal);
        }

        foreach (var ip in KubeadmPki.IpSans.Append("192.168.56.100"))
        {
            Assert.Contains($"IP Address:{ip}", text.StdOut, StringComparison.Ordinal);
        }

        Assert.Contains("Subject: CN = kube-apiserver", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("Digital Signature, Key Encipherment", text.StdOut, StringComparison.Ordinal);
        Assert.NotEqual(oldKey, await File.ReadAllBytesAsync(KeyPath));
        var match = await ProcessRunner.RunAsync("sh", ["-c", $"openssl x509 -noout -pubkey -in {CertPath} | sha256sum; openssl pkey -pubout -in {KeyPath} | sha256sum"]);
        var digests = match.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, digests.Length);
        Assert.Equal(digests[0], digests[1]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        Assert.Contains("api.k8s.local", result.Outputs["sans"], StringComparison.Ordinal);
        Assert.Contains("master-1", result.Outputs["sans"], StringComparison.Ordinal);
        using var issued = KubeadmPki.LoadCert(Pki);
        Assert.Equal(issued.SerialNumber.ToLowerInvariant(), result.Outputs["serial"]);
        Assert.InRange(issued.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(364), TimeSpan.FromDays(366));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_SecondApply_ChangesNothing()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
        Assert.True((await _runner.ApplyAsync(Spec(["api.k8s.local"]))).Changed);
        var cert = await File.ReadAllBytesAsync(CertPath);
        var key = await File.ReadAllBytesAsync(KeyPath);

        var second = await _runner.ApplyAsync(Spec(["api.k8s.local"]));

        Assert.Equal(StepOutcome.Succeeded, second.Outcome);
        Assert.False(second.Changed);
        Assert.Empty(second.Changes);
        Assert.Equal(cert, await File.ReadAllBytesAsync(CertPath));
        Assert.Equal(key, await File.ReadAllBytesAsync(KeyPath));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_NoCaKey_Refused()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
        File.Delete(Path.Combine(Pki, "ca.key"));
        var before = await File.ReadAllBytesAsync(CertPath);

        var result = await _runner.ApplyAsync(Spec(["api.k8s.local"]));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains(Path.Combine(Pki, "ca.key"), result.Reason, StringComparison.Ordinal);
        Assert.Contains("node-1", result.Reason, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(CertPath));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_CaWithSameNameButOtherKey_Refused()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
        // A different CA with the same subject name: names match, signatures do not.
        using (var other = CertificateAuthority.Create("kubernetes", TimeProvider.System))
        {
            other.Save(Path.Combine(Pki, "ca.crt"), Path.Combine(Pki, "ca.key"));
        }

        var before = await File.ReadAllBytesAsync(CertPath);

        var result = await _runner.ApplyAsync(Spec(["api.k8s.local"]));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("was not signed by the CA", result.Reason, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(CertPath));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_CaKeyNotMatchingCaCert_Refused()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
        using (var otherKey = KeyFactory.Create(KeyAlgorithm.EcdsaP256))
        {
            await File.WriteAllTextAsync(Path.Combine(Pki, "ca.key"), KeyFactory.ExportPrivateKeyPem(otherKey));
        }

        var result = await _runner.ApplyAsync(Spec(["api.k8s.local"]));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("does not belong to the CA certificate", result.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Changes);
    }

    [Theory]
    [Trait(Categories.Name, Categories.Unit)]
    [InlineData("bad name!", "not a valid DNS name")]
    [InlineData("300.1.1.1", "not a valid IPv4 address")]
    [InlineData("1.2.3", "not a valid IPv4 address")]
    [InlineData("fe80::1::2", "not a valid IPv6 address")]
    [InlineData("-lead.example", "not a valid DNS name")]
    public async Task Execute_InvalidSan_RefusedNamingIt(string san, string expected)
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);

        var result = await _runner.ApplyAsync(Spec(["good.example", san]));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains($"'{san}' is {expected}", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("good.example", result.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Changes);
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_RemoveSans_DropsOnlyThoseAndKeepsTheRest()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
        await _runner.ApplyAsync(Spec(["old-vip.example", "192.168.56.200"]));

        var result = await _runner.ApplyAsync(Spec(["new-vip.example"], remove: ["old-vip.example", "192.168.56.200"]));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        using var cert = KubeadmPki.LoadCert(Pki);
        var sans = PeerCertificateValidator.SubjectAltNames(cert);
        Assert.Contains("new-vip.example", sans);
        Assert.DoesNotContain("old-vip.example", sans);
        Assert.DoesNotContain("192.168.56.200", sans);
        Assert.Contains("kubernetes.default.svc.cluster.local", sans);
        Assert.Contains("10.96.0.1", sans);
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_KeepKey_ReusesTheKey()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.Rsa2048);
        var key = await File.ReadAllBytesAsync(KeyPath);

        var result = await _runner.ApplyAsync(Spec(["api.k8s.local"], keepKey: true));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal(key, await File.ReadAllBytesAsync(KeyPath));
        var change = Assert.Single(result.Changes);
        Assert.Equal(CertPath, change.Path);
        using var cert = KubeadmPki.LoadCert(Pki);
        Assert.Contains("api.k8s.local", PeerCertificateValidator.SubjectAltNames(cert));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Check_NewSans_ReportsChangesAndWritesNothing()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
        var cert = await File.ReadAllBytesAsync(CertPath);

        var result = await _runner.CheckAsync(Spec(["api.k8s.local"]));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, result.Changes.Count);
        var keyChange = Assert.Single(result.Changes, c => c.Path == KeyPath);
        Assert.True(keyChange.Secret);
        Assert.Empty(keyChange.UnifiedDiff);
        Assert.Equal(cert, await File.ReadAllBytesAsync(CertPath));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Rollback_AfterReissue_RestoresExactBytesAndModes()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.EcdsaP256);
        File.SetUnixFileMode(CertPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var cert = await File.ReadAllBytesAsync(CertPath);
        var key = await File.ReadAllBytesAsync(KeyPath);
        var certMode = File.GetUnixFileMode(CertPath);
        var keyMode = File.GetUnixFileMode(KeyPath);
        var stepId = _runner.NewStepId();
        Assert.True((await _runner.ApplyAsync(Spec(["api.k8s.local"]), stepId)).Changed);
        Assert.NotEqual(cert, await File.ReadAllBytesAsync(CertPath));

        var rollback = await _runner.RollbackAsync(stepId);

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(cert, await File.ReadAllBytesAsync(CertPath));
        Assert.Equal(key, await File.ReadAllBytesAsync(KeyPath));
        Assert.Equal(certMode, File.GetUnixFileMode(CertPath));
        Assert.Equal(keyMode, File.GetUnixFileMode(KeyPath));
    }

    [Fact]
    [Trait(Categories.Name, Categories.Unit)]
    public async Task Execute_NewSans_TlsServerWithNewCertVerifiesForNewNamesOnly()
    {
        KubeadmPki.Create(Pki, KeyAlgorithm.Rsa2048);
        Assert.Equal(StepOutcome.Succeeded, (await _runner.ApplyAsync(Spec(["api.k8s.local", "127.0.0.1"]))).Outcome);
        await using var server = new TlsTestServer(CertPath, KeyPath);

        StepSpec Probe(string name) => new()
        {
            Probe = new ProbeAction
            {
                Kind = ProbeKind.Tls,
                Host = "127.0.0.1",
                Port = server.Port,
                CaFile = Path.Combine(Pki, "ca.crt"),
                ServerName = name,
            },
        };

        var byName = await _runner.ApplyAsync(Probe("api.k8s.local"));
        var byIp = await _runner.ApplyAsync(Probe("127.0.0.1"));
        var unknown = await _runner.ApplyAsync(Probe("not-in-cert.example"));

        Assert.Equal(StepOutcome.Succeeded, byName.Outcome);
        Assert.Equal(StepOutcome.Succeeded, byIp.Outcome);
        Assert.Equal(StepOutcome.Failed, unknown.Outcome);
        Assert.Contains("not valid for 'not-in-cert.example'", unknown.Reason, StringComparison.Ordinal);
        Assert.False(byName.Changed);
    }

    [Fact]
    [Trait(Categories.Name, Categories.Root)]
    public async Task Execute_OpensslMadePki_ReissuesWithOldAndNewSans()
    {
        // A CA and serving certificate made by openssl (PKCS#8 keys), as a hand-built cluster might have.
        Directory.CreateDirectory(Pki);
        var script = $"""
            set -e
            cd {Pki}
            openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=kubernetes -days 3650 -keyout ca.key -out ca.crt 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr 2>/dev/null
            printf 'subjectAltName=DNS:kubernetes,DNS:master-1,IP:10.96.0.1\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > ext
            openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile ext -out apiserver.crt 2>/dev/null
            """;
        var made = await ProcessRunner.RunAsync("sh", ["-c", script]);
        Assert.True(made.ExitCode == 0, made.ToString());

        var result = await _runner.ApplyAsync(Spec(["api.k8s.local", "10.0.0.100"]));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        var verify = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", Path.Combine(Pki, "ca.crt"), CertPath]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var text = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-ext", "subjectAltName", "-in", CertPath]);
        Assert.Contains("DNS:kubernetes, DNS:master-1, DNS:api.k8s.local, IP Address:10.96.0.1, IP Address:10.0.0.100", text.StdOut, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", await File.ReadAllTextAsync(KeyPath), StringComparison.Ordinal);
    }
}
