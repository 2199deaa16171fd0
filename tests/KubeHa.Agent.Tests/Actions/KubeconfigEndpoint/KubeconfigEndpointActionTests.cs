using System.Text;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using EndpointAction = KubeHa.Agent.Actions.KubeconfigEndpoint.KubeconfigEndpointAction;

namespace KubeHa.Agent.Tests.Actions.KubeconfigEndpoint;

[Trait(Categories.Name, Categories.Unit)]
public sealed class KubeconfigEndpointActionTests : IDisposable
{
    private const string NewServer = "https://api.k8s.local:8443";
    private readonly StepHarness _harness = new(new EndpointAction());

    public void Dispose() => _harness.Dispose();

    private string CopyAdminConf(string name = "admin.conf")
    {
        var path = _harness.PathInRoot(name);
        File.WriteAllBytes(path, TestAssets.Bytes("kubeconfig", "admin.conf"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static StepSpec Spec(params KubeconfigFile[] files)
    {
        var action = new KubeconfigEndpointAction { Server = NewServer };
        action.Files.AddRange(files);
        return new StepSpec { KubeconfigEndpoint = action };
    }

    private static string Expected()
    {
        var text = Encoding.UTF8.GetString(TestAssets.Bytes("kubeconfig", "admin.conf"));
        return text
            .Replace("server: https://10.220.43.203:6443   #", $"server: {NewServer}   #", StringComparison.Ordinal)
            .Replace("server: \"https://10.220.43.203:6443\"", $"server: \"{NewServer}\"", StringComparison.Ordinal)
            .Replace("server: 'https://old.example:443'", $"server: '{NewServer}'", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_RealKubeconfig_ChangesOnlyServerValuesByteForByte()
    {
        var path = CopyAdminConf();

        var result = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = path, Required = true }));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal(Expected(), File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("https://10.220.43.203:6443", result.Outputs[$"old_server:{path}#kubernetes"]);
        Assert.Equal("https://old.example:443", result.Outputs[$"old_server:{path}#legacy"]);
    }

    [Fact]
    public async Task Apply_ClusterNameFilter_ChangesOnlyThatCluster()
    {
        var path = CopyAdminConf();
        var spec = Spec(new KubeconfigFile { Path = path, Required = true });
        spec.KubeconfigEndpoint.ClusterNames.Add("staging");

        var result = await _harness.ApplyAsync(spec);

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        var original = Encoding.UTF8.GetString(TestAssets.Bytes("kubeconfig", "admin.conf"));
        var expected = original.Replace("server: \"https://10.220.43.203:6443\"", $"server: \"{NewServer}\"", StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_Twice_SecondReportsNoChange()
    {
        var path = CopyAdminConf();
        var first = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = path }));
        var afterFirst = File.ReadAllBytes(path);

        var second = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = path }));

        Assert.True(first.Changed);
        Assert.Equal(StepOutcome.Succeeded, second.Outcome);
        Assert.False(second.Changed);
        Assert.Empty(second.Changes);
        Assert.Equal(afterFirst, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Check_DryRun_ReturnsMaskedDiffAndWritesNothing()
    {
        var path = CopyAdminConf();
        var before = File.ReadAllBytes(path);

        var result = await _harness.CheckAsync(Spec(new KubeconfigFile { Path = path }));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal(before, File.ReadAllBytes(path));
        var change = Assert.Single(result.Changes);
        Assert.Contains("-    server: https://10.220.43.203:6443", change.UnifiedDiff, StringComparison.Ordinal);
        Assert.Contains($"+    server: {NewServer}", change.UnifiedDiff, StringComparison.Ordinal);
        Assert.DoesNotContain("client-key-data: LS", change.UnifiedDiff, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_harness.Options.BackupsDir, StepHarness.RunId)));
    }

    [Fact]
    public async Task Apply_MalformedYaml_FailsWithLineAndColumnAndLeavesFilesUntouched()
    {
        var good = CopyAdminConf();
        var bad = _harness.PathInRoot("kubelet.conf");
        var malformed = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://a:6443\n   name: [unclosed\n";
        File.WriteAllText(bad, malformed);

        var result = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = good }, new KubeconfigFile { Path = bad }));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Matches($"{System.Text.RegularExpressions.Regex.Escape(bad)}:[0-9]+:[0-9]+: ", result.Reason);
        Assert.Equal(malformed, File.ReadAllText(bad));
        Assert.Equal(TestAssets.Bytes("kubeconfig", "admin.conf"), File.ReadAllBytes(good));
    }

    [Fact]
    public async Task Apply_OptionalFileMissing_SkipsAndReportsIt()
    {
        var path = CopyAdminConf();
        var missing = _harness.PathInRoot("super-admin.conf");

        var result = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = path }, new KubeconfigFile { Path = missing }));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal("absent", result.Outputs[$"skipped:{missing}"]);
        Assert.Contains(_harness.Progress, p => p.Contains(missing, StringComparison.Ordinal) && p.Contains("skipped", StringComparison.Ordinal));
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task Apply_RequiredFileMissing_Fails()
    {
        var missing = _harness.PathInRoot("kubelet.conf");

        var result = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = missing, Required = true }));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains(missing, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_AfterApply_RestoresExactBytesAndMode()
    {
        var path = CopyAdminConf();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var applied = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = path }), "apply-1");
        Assert.NotEqual(TestAssets.Bytes("kubeconfig", "admin.conf"), File.ReadAllBytes(path));

        var rollback = await _harness.RollbackAsync(applied.StepId);

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(TestAssets.Bytes("kubeconfig", "admin.conf"), File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Apply_FileOutsideAllowedRoots_Refused()
    {
        Directory.CreateDirectory(_harness.Outside);
        var outside = Path.Combine(_harness.Outside, "admin.conf");
        File.WriteAllBytes(outside, TestAssets.Bytes("kubeconfig", "admin.conf"));

        var result = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = outside }));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal(TestAssets.Bytes("kubeconfig", "admin.conf"), File.ReadAllBytes(outside));
    }

    [Fact]
    public async Task Apply_NonAsciiCommentsBeforeServer_SplicesAtTheRightPlace()
    {
        var path = _harness.PathInRoot("kubelet.conf");
        var original = "# 修改 server 地址 🚀 (seed 000)\n" + Encoding.UTF8.GetString(TestAssets.Bytes("kubeconfig", "admin.conf"));
        File.WriteAllText(path, original);

        var result = await _harness.ApplyAsync(Spec(new KubeconfigFile { Path = path }));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal("# 修改 server 地址 🚀 (seed 000)\n" + Expected(), File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_Ipv6Server_WrittenPlainAndReadsBack()
    {
        var path = CopyAdminConf();
        var spec = Spec(new KubeconfigFile { Path = path });
        spec.KubeconfigEndpoint.Server = "https://[fd00::100]:8443";

        var result = await _harness.ApplyAsync(spec);

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Contains("    server: https://[fd00::100]:8443   # master-1 only", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.False((await _harness.ApplyAsync(spec)).Changed);
    }

    [Theory]
    [InlineData("api.k8s.local:8443")]
    [InlineData("https://api.k8s.local:8443/path")]
    [InlineData("https://a b:1")]
    [InlineData("")]
    public async Task Apply_InvalidServer_Refused(string server)
    {
        var path = CopyAdminConf();
        var spec = Spec(new KubeconfigFile { Path = path });
        spec.KubeconfigEndpoint.Server = server;

        var result = await _harness.ApplyAsync(spec);

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal(TestAssets.Bytes("kubeconfig", "admin.conf"), File.ReadAllBytes(path));
    }
}
