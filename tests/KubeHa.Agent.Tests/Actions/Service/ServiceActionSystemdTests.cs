using KubeHa.Agent.Services;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using ServiceAgentAction = KubeHa.Agent.Actions.Service.ServiceAction;

namespace KubeHa.Agent.Tests.Actions.Service;

/// <summary>ServiceAction over the systemd backend, against the stand-in systemctl (see <see cref="FakeSystemctl"/>).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class ServiceActionSystemdTests : IDisposable
{
    private const string Show = "show --no-pager --property=LoadState,ActiveState,UnitFileState haproxy";
    private readonly FakeSystemctl _systemctl = new();
    private readonly StepHarness _harness;

    public ServiceActionSystemdTests()
    {
        _harness = new StepHarness(new ServiceAgentAction(new SystemdServiceManager(TimeProvider.System, "systemctl", _systemctl.SearchPath)));
    }

    public void Dispose()
    {
        _harness.Dispose();
        _systemctl.Dispose();
    }

    private static StepSpec Spec(ServiceOperation operation, string name = "haproxy", bool expectInactive = false) =>
        new() { Service = new ServiceAction { Name = name, Operation = operation, ExpectInactive = expectInactive } };

    [Fact]
    public async Task Apply_StartInactive_RunsSystemctlStartAndVerifies()
    {
        _systemctl.Unit("haproxy", "inactive", "disabled");

        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Start), "start");

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.True(result.Changed);
        Assert.Equal(["started haproxy"], result.Effects);
        Assert.Equal([Show, "--no-ask-password start haproxy", Show], _systemctl.Calls);
        Assert.Equal("active", _systemctl.Active("haproxy"));
        Assert.Equal("false", result.Outputs["active_before"]);
        Assert.Equal("true", result.Outputs["active_after"]);
    }

    [Fact]
    public async Task Apply_StartActive_NoChangeAndNoStartCall()
    {
        _systemctl.Unit("haproxy", "active", "enabled");

        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Start));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.False(result.Changed);
        Assert.Equal([Show], _systemctl.Calls);
    }

    [Fact]
    public async Task Check_StopActive_SaysWhatWouldChangeAndStopsNothing()
    {
        _systemctl.Unit("haproxy", "active", "enabled");

        var result = await _harness.CheckAsync(Spec(ServiceOperation.Stop));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.True(result.Changed);
        Assert.Equal(["would stop haproxy (systemd; now active, enabled)"], result.Effects);
        Assert.Equal([Show], _systemctl.Calls);
        Assert.Equal("active", _systemctl.Active("haproxy"));
    }

    [Fact]
    public async Task Rollback_OfStart_StopsTheServiceAgain()
    {
        _systemctl.Unit("haproxy", "inactive", "disabled");
        await _harness.ApplyAsync(Spec(ServiceOperation.Start), "start");
        _systemctl.ClearCalls();

        var rollback = await _harness.RollbackAsync("start");

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(["stopped haproxy"], rollback.Effects);
        Assert.Equal([Show, "--no-ask-password stop haproxy", Show], _systemctl.Calls);
        Assert.Equal("inactive", _systemctl.Active("haproxy"));
    }

    [Fact]
    public async Task Rollback_OfStartThatChangedNothing_ChangesNothing()
    {
        _systemctl.Unit("haproxy", "active", "enabled");
        await _harness.ApplyAsync(Spec(ServiceOperation.Start), "start");
        _systemctl.ClearCalls();

        var rollback = await _harness.RollbackAsync("start");

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.False(rollback.Changed);
        Assert.Empty(_systemctl.Calls);
        Assert.Equal("active", _systemctl.Active("haproxy"));
    }

    [Fact]
    public async Task Rollback_OfReload_ReloadsAgainToPickUpRestoredFiles()
    {
        _systemctl.Unit("haproxy", "active", "enabled");
        await _harness.ApplyAsync(Spec(ServiceOperation.Reload), "reload");
        _systemctl.ClearCalls();

        var rollback = await _harness.RollbackAsync("reload");

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal([Show, "--no-ask-password reload haproxy", Show], _systemctl.Calls);
    }

    [Fact]
    public async Task Rollback_OfRestartThatStartedAnInactiveService_StopsIt()
    {
        _systemctl.Unit("haproxy", "inactive", "enabled");
        await _harness.ApplyAsync(Spec(ServiceOperation.Restart), "restart");
        Assert.Equal("active", _systemctl.Active("haproxy"));

        var rollback = await _harness.RollbackAsync("restart");

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal("inactive", _systemctl.Active("haproxy"));
    }

    [Fact]
    public async Task Apply_EnableDisabled_EnablesAndRollbackDisables()
    {
        _systemctl.Unit("haproxy", "inactive", "disabled");

        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Enable), "enable");
        var again = await _harness.ApplyAsync(Spec(ServiceOperation.Enable));
        var enabled = _systemctl.Enabled("haproxy");
        var rollback = await _harness.RollbackAsync("enable");

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal(["enabled haproxy"], result.Effects);
        Assert.False(again.Changed);
        Assert.Equal("enabled", enabled);
        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal("disabled", _systemctl.Enabled("haproxy"));
    }

    [Fact]
    public async Task Apply_EnableStaticUnit_NothingToDo()
    {
        _systemctl.Unit("haproxy", "active", "static");

        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Enable));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.False(result.Changed);
        Assert.DoesNotContain(_systemctl.Calls, c => c.Contains("enable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_ReloadInactive_FailsSayingStartItFirst()
    {
        _systemctl.Unit("haproxy", "inactive", "enabled");

        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Reload));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Equal("service haproxy on node-1 is inactive, enabled: nothing to reload (start it first)", result.Reason);
        Assert.Equal([Show], _systemctl.Calls);
    }

    [Fact]
    public async Task Apply_StartFailingUnit_FailsWithSystemctlMessageAndExitMeaning()
    {
        _systemctl.Unit("haproxy", "inactive", "enabled", broken: true);

        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Start));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Equal("service haproxy on node-1: systemctl start haproxy: failed: Job for haproxy.service failed because the control process exited with error code.", result.Reason);
    }

    [Fact]
    public async Task Apply_UnknownUnit_RefusedWithoutRunningAVerb()
    {
        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Start, "nosuch"));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal("service nosuch on node-1: unknown to systemd", result.Reason);
        Assert.Equal(["show --no-pager --property=LoadState,ActiveState,UnitFileState nosuch"], _systemctl.Calls);
    }

    [Fact]
    public async Task RunAsync_UnknownUnitExit5_MapsToNoSuchUnit()
    {
        var manager = new SystemdServiceManager(TimeProvider.System, "systemctl", _systemctl.SearchPath);

        var result = await manager.RunAsync(ServiceVerb.Restart, "nosuch", CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Equal("systemctl restart nosuch: no such unit: Failed to restart nosuch.service: Unit nosuch.service not found.", result.Message);
    }

    [Theory]
    [InlineData("active", false, StepOutcome.Succeeded)]
    [InlineData("inactive", false, StepOutcome.Failed)]
    [InlineData("failed", false, StepOutcome.Failed)]
    [InlineData("inactive", true, StepOutcome.Succeeded)]
    [InlineData("active", true, StepOutcome.Failed)]
    public async Task Apply_IsActive_ChecksWithoutChanging(string state, bool expectInactive, StepOutcome expected)
    {
        _systemctl.Unit("haproxy", state, "enabled");

        var result = await _harness.ApplyAsync(Spec(ServiceOperation.IsActive, expectInactive: expectInactive));

        Assert.Equal(expected, result.Outcome);
        Assert.False(result.Changed);
        Assert.Equal([Show], _systemctl.Calls);
    }

    [Theory]
    [InlineData("-haproxy")]
    [InlineData("ha proxy")]
    [InlineData("../etc")]
    [InlineData("")]
    public async Task Apply_InvalidName_RefusedBeforeAnyCall(string name)
    {
        var result = await _harness.ApplyAsync(Spec(ServiceOperation.Start, name));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("invalid name", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_systemctl.Calls);
    }

    [Fact]
    public async Task Apply_NoSystemctl_RefusedClearly()
    {
        using var empty = new TempDir("kubeha-nopath");
        using var harness = new StepHarness(new ServiceAgentAction(new SystemdServiceManager(TimeProvider.System, "systemctl", empty.Path)));

        var result = await harness.ApplyAsync(Spec(ServiceOperation.Start));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal("service haproxy on node-1: systemctl not found (service_manager systemd needs systemctl on PATH)", result.Reason);
    }
}
