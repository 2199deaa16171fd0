using System.Runtime.InteropServices;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Files;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.Agent.Tests.Support;
using KubeHa.TestSupport;
using SysctlAgentAction = KubeHa.Agent.Actions.Sysctl.SysctlAction;

namespace KubeHa.Agent.Tests.Actions.Sysctl;

/// <summary>
/// The real /proc/sys, in a fresh network namespace so the host is not changed: a dedicated
/// thread joins the namespace (setns is per thread) and runs the action synchronously.
/// </summary>
[Trait(Categories.Name, Categories.Root)]
public sealed class SysctlNetnsRootTests : IDisposable
{
    private const string Key = "net.ipv4.ip_nonlocal_bind";
    private const int CloneNewNet = 0x40000000;
    private readonly TempDir _dir = new("kubeha-sysctl-netns");
    private readonly string _netns = $"kubeha-test-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ApplyAndRollback_FreshNetworkNamespace_ChangesOnlyThatNamespace()
    {
        var hostBefore = File.ReadAllText("/proc/sys/net/ipv4/ip_nonlocal_bind");
        ProcessRunner.RunChecked("ip", "netns", "add", _netns);
        try
        {
            (string Applied, string AfterRollback, ActionResult Apply, ActionResult Rollback)? outcome = null;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    outcome = InNamespace();
                }
#pragma warning disable CA1031 // reported to the test thread below
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failure = e;
                }
            });
            thread.Start();
            thread.Join();

            Assert.Null(failure);
            var (applied, afterRollback, apply, rollback) = outcome!.Value;
            Assert.True(apply.Outcome == StepOutcome.Succeeded, apply.Reason);
            Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
            Assert.Equal("1\n", applied);
            Assert.Equal("0\n", afterRollback);
            Assert.Equal(hostBefore, File.ReadAllText("/proc/sys/net/ipv4/ip_nonlocal_bind"));
        }
        finally
        {
            ProcessRunner.RunChecked("ip", "netns", "delete", _netns);
        }
    }

    private (string, string, ActionResult, ActionResult) InNamespace()
    {
        using (var ns = File.OpenHandle($"/var/run/netns/{_netns}"))
        {
            if (SetNs(ns.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
            {
                throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        Assert.Equal("0\n", File.ReadAllText("/proc/sys/net/ipv4/ip_nonlocal_bind"));
        var root = _dir.Combine("root");
        Directory.CreateDirectory(root);
        var options = new AgentOptions { NodeName = "n", CaFile = "-", CertFile = "-", KeyFile = "-", StateDir = _dir.Combine("state"), AllowedRoots = [root] };
        var action = new SysctlAgentAction(options, "/proc/sys", Path.Combine(root, "sysctl.d"));
        var spec = new StepSpec { Sysctl = new SysctlAction { Settings = { new SysctlSetting { Key = Key, Value = "1" } } } };
        var guard = new PathGuard([root]);
        var backups = new BackupStore(Path.Combine(options.StateDir, "backups"));

        var apply = action.ExecuteAsync(spec, Context("s1", guard, backups, null), CancellationToken.None).GetAwaiter().GetResult();
        var applied = File.ReadAllText("/proc/sys/net/ipv4/ip_nonlocal_bind");
        var rollback = action.RollbackAsync(spec, Context("s2", guard, backups, "s1"), CancellationToken.None).GetAwaiter().GetResult();
        return (applied, File.ReadAllText("/proc/sys/net/ipv4/ip_nonlocal_bind"), apply, rollback);
    }

    private static StepContext Context(string stepId, PathGuard guard, BackupStore backups, string? rollbackOf) =>
        new("run-1", stepId, "n", dryRun: false, new FileTransaction(guard, backups, "run-1", stepId, dryRun: false),
            (_, _) => ValueTask.CompletedTask, TimeProvider.System)
        {
            RollbackOfStepId = rollbackOf,
        };

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
