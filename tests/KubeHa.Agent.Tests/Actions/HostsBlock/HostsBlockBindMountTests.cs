using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.Agent.Tests.Support;
using KubeHa.TestSupport;
using HostsAction = KubeHa.Agent.Actions.HostsBlock.HostsBlockAction;

namespace KubeHa.Agent.Tests.Actions.HostsBlock;

/// <summary>/etc/hosts as containers see it: a file bind-mounted over another.</summary>
[Trait(Categories.Name, Categories.Root)]
public sealed class HostsBlockBindMountTests : IDisposable
{
    private readonly StepHarness _harness = new(new HostsAction());

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ApplyAndRollback_BindMountedHosts_WriteInPlaceThroughTheMount()
    {
        var source = _harness.PathInRoot("hosts.source");
        var target = _harness.PathInRoot("hosts");
        File.WriteAllText(source, "127.0.0.1 localhost\n");
        File.WriteAllText(target, "unused\n");
        ProcessRunner.RunChecked("mount", "--bind", source, target);
        try
        {
            // Precondition: a rename over the mount point fails with EBUSY.
            var probe = _harness.PathInRoot("probe");
            File.WriteAllText(probe, "x");
            var busy = Assert.ThrowsAny<IOException>(() => File.Move(probe, target, overwrite: true));
            Assert.Equal(16, busy.HResult);

            var result = await _harness.ApplyAsync(HostsBlockActionTests.Spec(target, ("127.0.0.1", ["api.k8s.local"])));

            Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
            var expected = "127.0.0.1 localhost\n# BEGIN kubeha managed block\n127.0.0.1\tapi.k8s.local\n# END kubeha managed block\n";
            Assert.Equal(expected, File.ReadAllText(target));
            Assert.Equal(expected, File.ReadAllText(source));
            Assert.Empty(Directory.GetFiles(_harness.Root, "*.kubeha-tmp"));

            var rollback = await _harness.RollbackAsync(result.StepId);

            Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
            Assert.Equal("127.0.0.1 localhost\n", File.ReadAllText(source));
        }
        finally
        {
            ProcessRunner.RunChecked("umount", target);
        }
    }
}
