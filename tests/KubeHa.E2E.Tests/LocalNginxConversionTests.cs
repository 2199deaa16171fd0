using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>
/// Scenarios 1, 4 and 6 on real programs: `kubeha apply` converts the lab's single master to
/// three masters behind local nginx proxies while a probe watches the API, every result is
/// checked where it lives, then master-1 is killed and the cluster keeps serving through the
/// endpoint.
/// </summary>
[Collection(ConversionLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class LocalNginxConversionTests(ConversionLab lab)
{
    [LabFact]
    public async Task Apply_LocalNginx_ConvertsToThreeMastersThenSurvivesLosingMasterOne()
    {
        var scenario = E2EScenario.LocalNginx;
        await lab.PrepareAsync(scenario);

        await WatchedApply.ApplyAsync(lab, "-f", lab.InventoryPath, "--yes");

        await ConversionChecks.AssertConvertedAsync(scenario);
        await ConversionChecks.AssertFailoverAsync(waitForGrace: true);
    }
}
