using KubeHa.Agent.Services;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using ServiceAgentAction = KubeHa.Agent.Actions.Service.ServiceAction;

namespace KubeHa.Agent.Tests.Actions.Service;

/// <summary>The lab backend outside a lab node: the real lab/svc refuses (exit 6) and the action says so.</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class LabServiceManagerTests
{
    private static string Svc => Path.Combine(RepoPaths.Root, "lab", "svc");

    [Fact]
    public async Task GetStateAsync_OutsideALabNode_ThrowsWithTheSupervisorsReason()
    {
        var manager = new LabServiceManager(TimeProvider.System, Svc);

        var e = await Assert.ThrowsAsync<ServiceManagerException>(() => manager.GetStateAsync("nginx", CancellationToken.None));

        Assert.StartsWith("svc is-active nginx: not inside a lab node: svc: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NoSupervisor_RefusedClearly()
    {
        using var empty = new TempDir("kubeha-nopath");
        using var harness = new StepHarness(new ServiceAgentAction(new LabServiceManager(TimeProvider.System, "svc", empty.Path)));

        var result = await harness.ApplyAsync(new StepSpec { Service = new ServiceAction { Name = "nginx", Operation = ServiceOperation.Start } });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("the lab supervisor 'svc' was not found", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nginx.service", "nginx")]
    [InlineData("haproxy", "haproxy")]
    public void Normalize_ServiceSuffix_Dropped(string given, string expected) =>
        Assert.Equal(expected, LabServiceManager.Normalize(given));
}
