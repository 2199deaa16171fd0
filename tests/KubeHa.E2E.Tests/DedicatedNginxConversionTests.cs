using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>
/// Scenarios 3, 4 and 6 on real programs: nginx on its own LB host lb-1 (seed 000) in front of
/// the API servers; after the conversion master-1 dies and kubectl through lb-1 keeps working.
/// </summary>
[Collection(ConversionLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class DedicatedNginxConversionTests(ConversionLab lab)
{
    [LabFact]
    public async Task Apply_DedicatedNginx_ConvertsToThreeMastersBehindTheLbHost()
    {
        var scenario = E2EScenario.DedicatedNginx;
        await lab.PrepareAsync(scenario);

        await WatchedApply.ApplyAsync(lab, "-f", lab.InventoryPath, "--yes");

        await ConversionChecks.AssertConvertedAsync(scenario);
        // lb-1's nginx lists every master as a backend, and only there is the endpoint served.
        var nginx = await LabCli.ExecAsync("lb-1", "sh", "-c", "cat /etc/nginx/nginx.conf /etc/nginx/*.d/*.conf 2>/dev/null");
        foreach (var m in ConversionLab.Masters)
        {
            Assert.Contains($"{ConversionLab.NodeIp(m)}:6443", nginx.Stdout, StringComparison.Ordinal);
        }

        await ConversionChecks.AssertFailoverAsync(waitForGrace: false, also: async () =>
        {
            var get = await LabCli.ExecAsync("worker-1", "kubectl", "--kubeconfig", "/etc/kubernetes/kubelet.conf", "get", "node", "worker-1", "-o", "name");
            Assert.True(get.ExitCode == 0, get.Describe("kubectl as worker-1's kubelet through lb-1 with master-1 dead"));
        });
    }
}
