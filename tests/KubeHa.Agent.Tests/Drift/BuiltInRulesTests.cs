using System.Net;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Agent.Drift;
using KubeHa.Common.Files;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>The rules that need no prior run, on real kubeconfigs, certificates and manifests.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class BuiltInRulesTests : IDisposable
{
    private const string Endpoint = "https://api.k8s.local:8443";
    private readonly DriftHarness _node = new(TimeProvider.System, endpoint: Endpoint, roles: ["master"]);

    public void Dispose() => _node.Dispose();

    private Task<List<DriftItem>> CheckAsync() => _node.Checker.CheckAsync(CancellationToken.None);

    /// <summary>Cluster CA and apiserver.crt in KUBE/pki, like kubeadm, with the given SANs and validity.</summary>
    private void ApiServerCertificate(string[] dns, TimeSpan validity, bool withCaKey = true)
    {
        var pki = Path.Combine(_node.KubeDir, "pki");
        Directory.CreateDirectory(pki);
        using var ca = CertificateAuthority.Create("kubernetes", TimeProvider.System);
        ca.Save(Path.Combine(pki, "ca.crt"), Path.Combine(pki, "ca.key"));
        if (!withCaKey)
        {
            File.Delete(Path.Combine(pki, "ca.key"));
        }

        using var key = KeyFactory.Create(KeyAlgorithm.EcdsaP256);
        using var cert = ca.Sign(new CertificateRequestSpec
        {
            Subject = new X500DistinguishedName("CN=kube-apiserver"),
            DnsNames = ["kubernetes", "kubernetes.default", .. dns],
            IpAddresses = [IPAddress.Parse("10.96.0.1"), IPAddress.Parse("10.0.0.11")],
            ServerAuth = true,
            Validity = validity,
        }, key, TimeProvider.System);
        AtomicFile.WriteAllText(Path.Combine(pki, "apiserver.crt"), cert.ExportCertificatePem() + "\n", AtomicFile.DefaultMode);
    }

    private void Manifests(params string[] names)
    {
        var dir = Path.Combine(_node.KubeDir, "manifests");
        Directory.CreateDirectory(dir);
        foreach (var name in names)
        {
            File.WriteAllText(Path.Combine(dir, name + ".yaml"), "apiVersion: v1\nkind: Pod\n");
        }
    }

    [Fact]
    public async Task Kubeconfig_SingleMasterWhileEndpointKnown_Reported()
    {
        Manifests("kube-apiserver", "kube-controller-manager", "kube-scheduler");
        var kubelet = _node.Kubeconfig("kubelet.conf", "https://10.0.0.11:6443");
        _node.Kubeconfig("admin.conf", Endpoint);

        var item = Assert.Single(await CheckAsync());

        Assert.Equal((DriftKind.KubeconfigEndpoint, kubelet), (item.Kind, item.Subject));
        Assert.Equal((Endpoint, "https://10.0.0.11:6443"), (item.Expected, item.Actual));
        Assert.Equal("rule:kubeconfig-endpoint", item.Source);
        Assert.True(item.Correctable);
        Assert.Equal($"node-1/kubeconfig_endpoint/{kubelet}", item.Id);
    }

    [Fact]
    public async Task Kubeconfig_NoEndpointKnown_NotReported()
    {
        using var node = new DriftHarness(TimeProvider.System);
        node.Kubeconfig("kubelet.conf", "https://10.0.0.11:6443");

        Assert.Empty(await node.Checker.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Certificate_WithoutEndpointSan_ReportedAndCorrectableWithCaKey()
    {
        Manifests("kube-apiserver", "kube-controller-manager", "kube-scheduler");
        ApiServerCertificate([], TimeSpan.FromDays(365));

        var item = Assert.Single(await CheckAsync());

        Assert.Equal(DriftKind.CertificateSan, item.Kind);
        Assert.Equal("api.k8s.local", item.Expected);
        Assert.Contains("10.0.0.11", item.Actual, StringComparison.Ordinal);
        Assert.True(item.Correctable);
    }

    [Fact]
    public async Task Certificate_RewrittenDuringACheck_OneCheckJudgesOneVersion()
    {
        // KubeHa's certificate, with the endpoint SAN, recorded as desired; a service recorded too,
        // so that the check probes it between the recorded-state rules and the built-in rules.
        Manifests("kube-apiserver", "kube-controller-manager", "kube-scheduler");
        ApiServerCertificate(["api.k8s.local"], TimeSpan.FromDays(365));
        var crt = Path.Combine(_node.KubeDir, "pki", "apiserver.crt");
        _node.Services.Active.Add("haproxy");
        _node.Store.Update(s =>
        {
            s.Certificates.Add(new DesiredCertificate { Path = crt, Sans = { "api.k8s.local" }, Source = "applied:r/apiserver-cert" });
            s.Services.Add(new DesiredService { Name = "haproxy", Source = "applied:r/haproxy" });
        });

        // kubeadm re-issues it without the endpoint SAN while the check is between the two rule sets.
        var rewritten = false;
        _node.Services.DuringProbe = _ =>
        {
            if (!rewritten)
            {
                rewritten = true;
                ApiServerCertificate([], TimeSpan.FromDays(365));
            }
        };

        Assert.Empty(await CheckAsync());
        Assert.True(rewritten);

        var item = Assert.Single(await CheckAsync());
        Assert.Equal((DriftKind.CertificateSan, crt), (item.Kind, item.Subject));
        Assert.Equal("applied:r/apiserver-cert", item.Source);
    }

    [Fact]
    public async Task Certificate_WithEndpointSanButExpiringIn10Days_ExpiryOnly()
    {
        Manifests("kube-apiserver", "kube-controller-manager", "kube-scheduler");
        ApiServerCertificate(["api.k8s.local"], TimeSpan.FromDays(10), withCaKey: false);

        var item = Assert.Single(await CheckAsync());

        Assert.Equal(DriftKind.CertificateExpiry, item.Kind);
        Assert.Equal("valid for more than 30 days", item.Expected);
        Assert.False(item.Correctable);
    }

    [Fact]
    public async Task Certificate_ValidLongEnoughWithSan_NothingReported()
    {
        Manifests("kube-apiserver", "kube-controller-manager", "kube-scheduler");
        ApiServerCertificate(["API.k8s.local"], TimeSpan.FromDays(200));

        Assert.Empty(await CheckAsync());
    }

    [Fact]
    public async Task LoadBalancer_ManagedConfigAndNotRunning_ReportedUntilItRuns()
    {
        Manifests("kube-apiserver", "kube-controller-manager", "kube-scheduler");
        File.WriteAllText(_node.Paths.HaproxyCfg, "# Managed by kubeha (haproxy_config): API server load balancer. Local changes are overwritten.\nglobal\n");
        File.WriteAllText(_node.Paths.NginxConf, "user www-data;\n# not ours\n");

        var item = Assert.Single(await CheckAsync());
        Assert.Equal((DriftKind.ServiceInactive, "haproxy"), (item.Kind, item.Subject));

        _node.Services.Active.Add("haproxy");
        Assert.Empty(await CheckAsync());
    }

    [Fact]
    public async Task StaticPods_MasterMissingManifests_EachReported()
    {
        Manifests("kube-apiserver");
        Directory.CreateDirectory(Path.Combine(_node.KubeDir, "pki", "etcd"));
        File.WriteAllText(Path.Combine(_node.KubeDir, "pki", "etcd", "server.crt"), "stacked etcd");

        var items = await CheckAsync();

        Assert.All(items, i => Assert.Equal(DriftKind.StaticPodMissing, i.Kind));
        Assert.Equal(["etcd.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"], items.Select(i => Path.GetFileName(i.Subject)).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.False(i.Correctable));
    }

    [Fact]
    public async Task StaticPods_Worker_NotRequired()
    {
        using var worker = new DriftHarness(TimeProvider.System, endpoint: Endpoint, roles: ["worker"]);

        Assert.Empty(await worker.Checker.CheckAsync(CancellationToken.None));
    }
}
