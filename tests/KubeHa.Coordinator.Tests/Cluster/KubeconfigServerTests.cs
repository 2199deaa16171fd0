using KubeHa.Common.Yaml;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Cluster;

/// <summary>The server of a kubeconfig held in a ConfigMap, spliced (kube-proxy's kubeconfig.conf, a |- block without a final newline).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class KubeconfigServerTests
{
    [Fact]
    public void Edit_KubeProxyKubeconfig_MatchesGolden()
    {
        var doc = YamlSourceText.TryParse("kube-proxy#kubeconfig.conf", Golden.Read("kubeconfig", "kube-proxy.conf"), out var error)!;
        var old = new Dictionary<string, string>();

        var after = KubeconfigServer.Edit(doc, "https://k8s-api.lab:8443", new HashSet<string>(), old, out error);

        Assert.True(after is not null, error);
        Golden.Assert(after, "kubeconfig", "kube-proxy.golden");
        Assert.Equal("https://10.77.3.11:6443", old["default"]);
    }

    [Fact]
    public void Read_EditedKubeconfig_ReturnsNewServer()
    {
        var doc = YamlSourceText.TryParse("k", Golden.Read("kubeconfig", "kube-proxy.golden"), out _)!;

        var servers = KubeconfigServer.Read(doc, out var error);

        Assert.True(servers is not null, error);
        Assert.Equal(new Dictionary<string, string> { ["default"] = "https://k8s-api.lab:8443" }, servers);
    }

    [Fact]
    public void Edit_NoClusters_FailsNamingSource()
    {
        var doc = YamlSourceText.TryParse("kube-public/cluster-info#kubeconfig", "apiVersion: v1\nkind: Config\n", out _)!;

        Assert.Null(KubeconfigServer.Edit(doc, "https://a:1", new HashSet<string>(), new Dictionary<string, string>(), out var error));
        Assert.Equal("kube-public/cluster-info#kubeconfig:1:1: no 'clusters' list; not a kubeconfig", error);
    }
}
