using System.Text;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using FlagsAction = KubeHa.Agent.Actions.StaticPodFlags.StaticPodFlagsAction;

namespace KubeHa.Agent.Tests.Actions.StaticPodFlags;

[Trait(Categories.Name, Categories.Unit)]
public sealed class StaticPodFlagsActionTests : IDisposable
{
    private const string Cluster = "ydzs-master=https://10.151.30.11:2380,ydzs-master2=https://10.151.30.70:2380,ydzs-master3=https://10.151.30.71:2380";
    private readonly StepHarness _harness = new(new FlagsAction());

    public void Dispose() => _harness.Dispose();

    private static string Original => Encoding.UTF8.GetString(TestAssets.Bytes("manifests", "etcd.yaml"));

    private string CopyManifest(string? text = null)
    {
        Directory.CreateDirectory(_harness.PathInRoot("manifests"));
        var path = _harness.PathInRoot("manifests", "etcd.yaml");
        File.WriteAllText(path, text ?? Original);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static StepSpec Spec(string path, IEnumerable<(string Name, string Value)>? set = null, IEnumerable<string>? remove = null)
    {
        var action = new StaticPodFlagsAction { ManifestPath = path };
        action.Set.AddRange((set ?? []).Select(f => new StaticPodFlag { Name = f.Name, Value = f.Value }));
        action.Remove.AddRange(remove ?? []);
        return new StepSpec { StaticPodFlags = action };
    }

    [Fact]
    public async Task Apply_ReplaceInitialCluster_ChangesOnlyThatLine()
    {
        var path = CopyManifest();

        var result = await _harness.ApplyAsync(Spec(path, [("initial-cluster", Cluster)]));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        var expected = Original.Replace(
            "    - --initial-cluster=ydzs-master=https://10.151.30.11:2380\n",
            $"    - --initial-cluster={Cluster}\n", StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Equal("ydzs-master=https://10.151.30.11:2380", result.Outputs["old_flag:initial-cluster"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Apply_NewFlag_InsertedAfterLastItemWithSiblingIndentation()
    {
        var path = CopyManifest();

        var result = await _harness.ApplyAsync(Spec(path, [("initial-cluster-state", "existing"), ("quota-backend-bytes", "8589934592")]));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        var expected = Original.Replace(
            "    - \"--log-level=info\"\n",
            "    - \"--log-level=info\"\n    - --initial-cluster-state=existing\n    - --quota-backend-bytes=8589934592\n", StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Equal(string.Empty, result.Outputs["old_flag:initial-cluster-state"]);
    }

    [Fact]
    public async Task Apply_QuotedItem_KeepsQuotingStyle()
    {
        var path = CopyManifest();

        await _harness.ApplyAsync(Spec(path, [("log-level", "warn")]));

        Assert.Equal(Original.Replace("\"--log-level=info\"", "\"--log-level=warn\"", StringComparison.Ordinal), File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_RemoveFlag_RemovesWholeLineOnly()
    {
        var path = CopyManifest();

        var result = await _harness.ApplyAsync(Spec(path, remove: ["experimental-initial-corrupt-check", "not-there"]));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal(Original.Replace("    - --experimental-initial-corrupt-check=true\n", string.Empty, StringComparison.Ordinal), File.ReadAllText(path));
        Assert.Equal("true", result.Outputs["old_flag:experimental-initial-corrupt-check"]);
    }

    [Fact]
    public async Task Apply_Twice_SecondReportsNoChange()
    {
        var path = CopyManifest();
        var spec = Spec(path, [("initial-cluster", Cluster), ("initial-cluster-state", "existing")], ["snapshot-count"]);
        var first = await _harness.ApplyAsync(spec);
        var bytes = File.ReadAllBytes(path);

        var second = await _harness.ApplyAsync(spec);

        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Apply_ValueNeedingQuotes_IsDoubleQuotedAndReadsBack()
    {
        var path = CopyManifest();

        await _harness.ApplyAsync(Spec(path, [("name", "a: #b")]));

        Assert.Contains("    - \"--name=a: #b\"\n", File.ReadAllText(path), StringComparison.Ordinal);
        var again = await _harness.ApplyAsync(Spec(path, [("name", "a: #b")]));
        Assert.False(again.Changed);
    }

    [Fact]
    public async Task Apply_MalformedManifest_FailsWithLineAndColumnAndLeavesFile()
    {
        var broken = Original.Replace("  - command:\n", "  - command:\n  \t- bad\n", StringComparison.Ordinal);
        var path = CopyManifest(broken);

        var result = await _harness.ApplyAsync(Spec(path, [("initial-cluster", Cluster)]));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(path)}:[0-9]+:[0-9]+: ", result.Reason);
        Assert.Equal(broken, File.ReadAllText(path));
    }

    [Fact]
    public async Task Check_DryRun_ReturnsDiffAndWritesNothing()
    {
        var path = CopyManifest();

        var result = await _harness.CheckAsync(Spec(path, [("initial-cluster", Cluster)]));

        Assert.Equal(Original, File.ReadAllText(path));
        var change = Assert.Single(result.Changes);
        Assert.Contains($"+    - --initial-cluster={Cluster}", change.UnifiedDiff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_AfterApply_RestoresExactBytes()
    {
        var path = CopyManifest();
        var applied = await _harness.ApplyAsync(Spec(path, [("initial-cluster", Cluster)], ["snapshot-count"]));

        var rollback = await _harness.RollbackAsync(applied.StepId);

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("--initial-cluster")]
    [InlineData("Bad_Name")]
    public async Task Apply_InvalidFlagName_Refused(string name)
    {
        var path = CopyManifest();

        var result = await _harness.ApplyAsync(Spec(path, [(name, "x")]));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_ManifestOutsideAllowedRoots_Refused()
    {
        Directory.CreateDirectory(_harness.Outside);
        var path = Path.Combine(_harness.Outside, "etcd.yaml");
        File.WriteAllText(path, Original);

        var result = await _harness.ApplyAsync(Spec(path, [("initial-cluster", Cluster)]));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal(Original, File.ReadAllText(path));
    }
}
