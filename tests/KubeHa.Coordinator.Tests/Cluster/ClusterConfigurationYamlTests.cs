using KubeHa.Coordinator.Cluster;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Cluster;

/// <summary>Splicing kubeadm's ClusterConfiguration (testassets/kubeadm-config: inputs and their .golden results).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class ClusterConfigurationYamlTests
{
    private const string Endpoint = "k8s-api.lab:8443";
    private static readonly string[] Sans = ["10.77.3.100", "k8s-api.lab", "master-1", "10.77.3.11"];

    [Theory]
    [InlineData("lab-v1.20.yaml")]
    [InlineData("commented.yaml")]
    [InlineData("flow.yaml")]
    [InlineData("flow-sans.yaml")]
    [InlineData("no-apiserver.yaml")]
    public void Edit_EndpointAndSans_MatchesGolden(string input)
    {
        var before = Golden.Read("kubeadm-config", input);

        var after = ClusterConfigurationYaml.Edit(before, Endpoint, Sans, out var error);

        Assert.True(after is not null, error);
        Golden.Assert(after, "kubeadm-config", Path.ChangeExtension(input, ".golden"));
    }

    [Theory]
    [InlineData("lab-v1.20.yaml")]
    [InlineData("commented.yaml")]
    [InlineData("flow.yaml")]
    [InlineData("flow-sans.yaml")]
    [InlineData("no-apiserver.yaml")]
    public void Edit_Result_ReadsBackAsAskedAndKeepsOtherLinesInOrder(string input)
    {
        var before = Golden.Read("kubeadm-config", input);

        var after = ClusterConfigurationYaml.Edit(before, Endpoint, Sans, out var error)!;
        var values = ClusterConfigurationYaml.Read(after, out error);

        Assert.True(values is not null, error);
        Assert.Equal(Endpoint, values.ControlPlaneEndpoint);
        Assert.All(Sans, s => Assert.Contains(ClusterConfigurationYaml.SanKey(s), values.CertSans.Select(ClusterConfigurationYaml.SanKey)));
        Assert.Equal(values.CertSans.Count, values.CertSans.Select(ClusterConfigurationYaml.SanKey).Distinct().Count());
        // Every original line that does not hold a changed value is still there, in order.
        var kept = before.Split('\n').Where(l => !l.Contains("controlPlaneEndpoint", StringComparison.Ordinal) && !l.Contains("apiServer: {}", StringComparison.Ordinal) && !l.Contains("certSANs: [", StringComparison.Ordinal));
        Assert.Equal(kept, after.Split('\n').Where(kept.Contains));
    }

    [Theory]
    [InlineData("lab-v1.20.yaml")]
    [InlineData("commented.yaml")]
    [InlineData("flow.yaml")]
    [InlineData("flow-sans.yaml")]
    [InlineData("no-apiserver.yaml")]
    public void Edit_AlreadyEdited_ReturnsSameText(string input)
    {
        var once = ClusterConfigurationYaml.Edit(Golden.Read("kubeadm-config", input), Endpoint, Sans, out _)!;

        var twice = ClusterConfigurationYaml.Edit(once, Endpoint, Sans, out var error);

        Assert.Same(once, twice);
        Assert.Empty(error);
    }

    [Fact]
    public void Edit_SansAlreadyPresentInOtherSpelling_AddsNoDuplicate()
    {
        var before = Golden.Read("kubeadm-config", "commented.yaml");

        var after = ClusterConfigurationYaml.Edit(before, null, ["master-1.example.com", "fd00::1", "10.0.0.10"], out var error);

        Assert.Equal(before, after);
        Assert.Empty(error);
    }

    [Fact]
    public void Edit_NothingAsked_ReturnsInputUnchanged()
    {
        var before = Golden.Read("kubeadm-config", "lab-v1.20.yaml");

        Assert.Same(before, ClusterConfigurationYaml.Edit(before, string.Empty, [], out _));
    }

    [Theory]
    [InlineData("apiServer: {extraArgs: {a: b}}\nkind: ClusterConfiguration\n", "1:12", "flow mapping")]
    [InlineData("apiServer:\n  certSANs: none\nkind: ClusterConfiguration\n", "2:13", "not a list")]
    [InlineData("- a\n- b\n", "1:1", "not a mapping")]
    [InlineData("apiServer:\n  certSANs: [a\n", "", "kube-system/kubeadm-config#ClusterConfiguration:")]
    public void Edit_UnsupportedShape_FailsNamingWhere(string text, string where, string what)
    {
        var after = ClusterConfigurationYaml.Edit(text, Endpoint, ["x.example"], out var error);

        Assert.Null(after);
        Assert.StartsWith(ClusterConfigurationYaml.Source, error, StringComparison.Ordinal);
        Assert.Contains(where, error, StringComparison.Ordinal);
        Assert.Contains(what, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k8s-api.lab:8443", true)]
    [InlineData("10.77.3.100:443", true)]
    [InlineData("[fd00::1]:8443", true)]
    [InlineData("k8s-api.lab", false)]
    [InlineData("fd00::1:8443", false)]
    [InlineData("host:0", false)]
    [InlineData("host:70000", false)]
    [InlineData("https://host:8443", false)]
    public void IsHostPort_Forms_Classified(string value, bool expected) =>
        Assert.Equal(expected, ConfigMapEdits.IsHostPort(value));
}
