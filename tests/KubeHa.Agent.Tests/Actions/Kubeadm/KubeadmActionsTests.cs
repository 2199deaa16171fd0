using CaCertHash = KubeHa.Agent.Actions.Kubeadm.CaCertHash;
using JoinConfiguration = KubeHa.Agent.Actions.Kubeadm.JoinConfiguration;
using KubeadmRunner = KubeHa.Agent.Actions.Kubeadm.KubeadmRunner;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Agent.Tests.Support;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using JoinAgentAction = KubeHa.Agent.Actions.Kubeadm.KubeadmJoinAction;
using JoinMaterialAgentAction = KubeHa.Agent.Actions.Kubeadm.KubeadmJoinMaterialAction;

namespace KubeHa.Agent.Tests.Actions.Kubeadm;

[Trait(Categories.Name, Categories.Unit)]
public sealed class KubeadmActionsTests
{
    private const string Token = "abcdef.0123456789abcdef";
    private static readonly string Key = new('7', 64);

    private static KubeadmJoinAction Join() => new()
    {
        ApiServerEndpoint = "10.77.0.11:6443",
        Token = Token,
        CaCertHashes = { "sha256:" + new string('a', 64) },
        ControlPlane = true,
        CertificateKey = Key,
        AdvertiseAddress = "10.77.0.14",
        NodeName = "master-2",
        CriSocket = "/run/containerd/containerd.sock",
        IgnorePreflightErrors = { "all" },
    };

    [Theory]
    [InlineData(KeyAlgorithm.Rsa2048)]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    public async Task Compute_RsaAndEcdsaCa_MatchesOpensslPin(KeyAlgorithm algorithm)
    {
        using var dir = new TempDir("kubeadm-pin");
        using var ca = CertificateAuthority.Create("kubernetes", TimeProvider.System, algorithm);
        var crt = dir.Combine("ca.crt");
        ca.Save(crt, dir.Combine("ca.key"));

        var openssl = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"openssl x509 -pubkey -noout -in '{crt}' | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1"]);

        Assert.Equal(0, openssl.ExitCode);
        Assert.Equal("sha256:" + openssl.StdOut.Trim(), CaCertHash.Compute(File.ReadAllText(crt)));
    }

    [Fact]
    public void Render_ControlPlaneV120_JoinConfigurationV1Beta2()
    {
        var yaml = JoinConfiguration.Render(Join(), (1, 20));

        Assert.Equal($"""
            apiVersion: kubeadm.k8s.io/v1beta2
            kind: JoinConfiguration
            discovery:
              bootstrapToken:
                apiServerEndpoint: "10.77.0.11:6443"
                token: "{Token}"
                caCertHashes:
                - "sha256:{new string('a', 64)}"
              tlsBootstrapToken: "{Token}"
            nodeRegistration:
              name: "master-2"
              criSocket: "/run/containerd/containerd.sock"
            controlPlane:
              localAPIEndpoint:
                advertiseAddress: "10.77.0.14"
                bindPort: 6443
              certificateKey: "{Key}"

            """, yaml);
        Assert.StartsWith("apiVersion: kubeadm.k8s.io/v1beta3\n", JoinConfiguration.Render(Join(), (1, 28)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadSecrets_ReportedWithoutQuotingThem()
    {
        var join = Join();
        join.Token = "ABCDEF.not-a-token-value";
        join.CertificateKey = "secret-key-material";

        var errors = string.Join("; ", JoinConfiguration.Validate(join));

        Assert.Contains("token must look like", errors, StringComparison.Ordinal);
        Assert.Contains("certificate_key must be 64", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-token-value", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-key-material", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_TokenAndKeyShapedText_Hidden()
    {
        var text = KubeadmRunner.Redact($"error: token {Token} rejected, key {Key}, also hunter2x", "hunter2x");

        Assert.Equal("error: token <redacted token> rejected, key <redacted key>, also <redacted>", text);
    }

    [Fact]
    public async Task Apply_KubeadmMissing_RefusedClearly()
    {
        using var harness = new StepHarness(h => [new JoinAgentAction(Options(h), TimeProvider.System) { KubernetesDir = h.PathInRoot("kubernetes") }]);

        var result = await harness.ApplyAsync(new StepSpec { KubeadmJoin = Join() });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal("kubeadm join: kubeadm not found on node-1 (kubeadm_path '/nonexistent/kubeadm'); install kubeadm or set kubeadm_path in the agent config", result.Reason);
    }

    [Fact]
    public async Task Apply_AlreadyJoinedControlPlane_SucceedsWithoutChangeOrKubeadm()
    {
        using var harness = new StepHarness(h => [new JoinAgentAction(Options(h), TimeProvider.System) { KubernetesDir = h.PathInRoot("kubernetes") }]);
        Directory.CreateDirectory(harness.PathInRoot("kubernetes", "manifests"));
        foreach (var file in new[] { "kubelet.conf", "manifests/kube-apiserver.yaml", "manifests/etcd.yaml" })
        {
            File.WriteAllText(harness.PathInRoot("kubernetes", file), "x");
        }

        var result = await harness.ApplyAsync(new StepSpec { KubeadmJoin = Join() });

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.False(result.Changed);
    }

    [Fact]
    public async Task Apply_JoinedAsWorkerButControlPlaneAsked_Refused()
    {
        using var harness = new StepHarness(h => [new JoinAgentAction(Options(h), TimeProvider.System) { KubernetesDir = h.PathInRoot("kubernetes") }]);
        Directory.CreateDirectory(harness.PathInRoot("kubernetes"));
        File.WriteAllText(harness.PathInRoot("kubernetes", "kubelet.conf"), "x");

        var result = await harness.ApplyAsync(new StepSpec { KubeadmJoin = Join() });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("joined as a worker", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_JoinMaterialWithoutKubeadm_Refused()
    {
        using var harness = new StepHarness(h => [new JoinMaterialAgentAction(Options(h), TimeProvider.System)]);

        var result = await harness.ApplyAsync(new StepSpec { KubeadmJoinMaterial = new KubeadmJoinMaterialAction { UploadCerts = true } });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.StartsWith("join material: kubeadm not found on node-1", result.Reason, StringComparison.Ordinal);
    }

    private static KubeHa.Agent.Configuration.AgentOptions Options(StepHarness h) => new()
    {
        NodeName = h.Options.NodeName,
        CaFile = "unused",
        CertFile = "unused",
        KeyFile = "unused",
        StateDir = h.Options.StateDir,
        AllowedRoots = h.Options.AllowedRoots,
        KubeadmPath = "/nonexistent/kubeadm",
    };
}
