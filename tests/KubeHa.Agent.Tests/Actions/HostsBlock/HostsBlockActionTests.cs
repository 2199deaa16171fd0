using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using HostsAction = KubeHa.Agent.Actions.HostsBlock.HostsBlockAction;

namespace KubeHa.Agent.Tests.Actions.HostsBlock;

[Trait(Categories.Name, Categories.Unit)]
public sealed class HostsBlockActionTests : IDisposable
{
    private const string Original =
        "127.0.0.1\tlocalhost\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\n10.151.30.57 ydzs-node3\n";

    private readonly StepHarness _harness = new(new HostsAction());

    public void Dispose() => _harness.Dispose();

    private string CopyHosts(string text = Original)
    {
        var path = _harness.PathInRoot("hosts");
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, KubeHa.Common.Files.AtomicFile.DefaultMode);
        return path;
    }

    internal static StepSpec Spec(string path, params (string Ip, string[] Names)[] entries)
    {
        var action = new HostsBlockAction { Path = path };
        foreach (var (ip, names) in entries)
        {
            var entry = new HostsEntry { Ip = ip };
            entry.Names.AddRange(names);
            action.Entries.Add(entry);
        }

        return new StepSpec { HostsBlock = action };
    }

    [Fact]
    public async Task Apply_NoBlock_AppendsBlockAndKeepsOtherLines()
    {
        var path = CopyHosts();

        var result = await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"]), ("10.151.30.70", ["ydzs-master2"])));

        Assert.Equal(StepOutcome.Succeeded, result.Outcome);
        Assert.Equal(
            Original + "# BEGIN kubeha managed block\n127.0.0.1\tapi.k8s.local\n10.151.30.70\tydzs-master2\n# END kubeha managed block\n",
            File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_ExistingBlock_ReplacesOnlyBlockLines()
    {
        var text = "127.0.0.1 localhost\n# BEGIN kubeha managed block\n127.0.0.1\tapi.k8s.local\n10.0.0.9\told-master\n# END kubeha managed block\n10.0.0.1 after\n";
        var path = CopyHosts(text);

        await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"]), ("10.0.0.2", ["m2", "m2.cluster"])));

        Assert.Equal(
            "127.0.0.1 localhost\n# BEGIN kubeha managed block\n127.0.0.1\tapi.k8s.local\n10.0.0.2\tm2 m2.cluster\n# END kubeha managed block\n10.0.0.1 after\n",
            File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_NoEntries_RemovesBlock()
    {
        var path = CopyHosts();
        await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"])));

        var result = await _harness.ApplyAsync(Spec(path));

        Assert.True(result.Changed);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_Twice_SecondReportsNoChange()
    {
        var path = CopyHosts("no trailing newline");
        await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"])));
        var bytes = File.ReadAllBytes(path);

        var second = await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"])));

        Assert.False(second.Changed);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.StartsWith("no trailing newline\n# BEGIN", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_UnterminatedBlock_FailsWithLineAndLeavesFile()
    {
        var text = "127.0.0.1 localhost\n# BEGIN kubeha managed block\n10.0.0.1 x\n";
        var path = CopyHosts(text);

        var result = await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"])));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.StartsWith($"{path}:2: ", result.Reason, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("10.0.0.300", "ok")]
    [InlineData("10.0.0.3", "bad name")]
    [InlineData("10.0.0.3", "-dash")]
    public async Task Apply_InvalidEntry_Refused(string ip, string name)
    {
        var path = CopyHosts();

        var result = await _harness.ApplyAsync(Spec(path, (ip, [name])));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public async Task Check_DryRun_ReturnsDiffAndWritesNothing()
    {
        var path = CopyHosts();

        var result = await _harness.CheckAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"])));

        Assert.Equal(Original, File.ReadAllText(path));
        Assert.Contains("+127.0.0.1\tapi.k8s.local", Assert.Single(result.Changes).UnifiedDiff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_AfterApply_RestoresExactBytes()
    {
        var path = CopyHosts();
        var applied = await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"])));

        var rollback = await _harness.RollbackAsync(applied.StepId);

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public async Task Apply_OutsideAllowedRoots_Refused()
    {
        Directory.CreateDirectory(_harness.Outside);
        var path = Path.Combine(_harness.Outside, "hosts");
        File.WriteAllText(path, Original);

        var result = await _harness.ApplyAsync(Spec(path, ("127.0.0.1", ["api.k8s.local"])));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal(Original, File.ReadAllText(path));
    }
}
