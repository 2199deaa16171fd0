using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubeHa.Coordinator.Execution;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>
/// Scenarios 2, 5, 4 (VIP) and 6 on one lab: haproxy on every master and keepalived holding a VIP.
/// First a reviewed plan with a wrong SAN injected into the certificate step stops at the TLS gate,
/// rolls master-1 back and leaves the API serving; then the real conversion, with the coordinator
/// killed in the clients phase and resumed with `--resume` without repeating completed steps;
/// then master-1 dies and the VIP moves to another master.
/// </summary>
[Collection(ConversionLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed partial class VipSafetyConversionTests(ConversionLab lab)
{
    private static readonly E2EScenario Scenario = E2EScenario.VipHaproxyKeepalived;
    private static string Vip => Scenario.EndpointHost;

    [LabFact]
    public async Task Apply_VipWithWrongSanThenKilledCoordinator_GateRollsBackThenResumeConvertsAndVipFailsOver()
    {
        await lab.PrepareAsync(Scenario);

        await WrongSanStopsAtTheGateAsync();
        await KilledCoordinatorResumesAsync();

        await ConversionChecks.AssertConvertedAsync(Scenario);
        await ConversionChecks.AssertFailoverAsync(waitForGrace: false, also: () =>
            LabCli.EventuallyAsync($"VIP {Vip} on master-2 or master-3", TimeSpan.FromSeconds(30), async () =>
            {
                var holders = new List<string>();
                foreach (var m in ConversionLab.Masters.Skip(1))
                {
                    var addr = await LabCli.ExecAsync(m, "ip", "-o", "-4", "addr", "show", "dev", "eth0");
                    if (addr.Stdout.Contains($" {Vip}/", StringComparison.Ordinal))
                    {
                        holders.Add(m);
                    }
                }

                return (holders.Count == 1, $"holders: [{string.Join(", ", holders)}]");
            }));
    }

    private async Task WrongSanStopsAtTheGateAsync()
    {
        var plan = await KubehaCli.RunAsync(lab.StateDir, TimeSpan.FromMinutes(5), "plan", "-f", lab.InventoryPath, "-o", "json");
        Assert.True(plan.ExitCode == 0, plan.Describe("kubeha plan -o json"));
        var json = JsonNode.Parse(plan.Stdout)!;
        var certStep = json["phases"]!.AsArray().SelectMany(p => p!["steps"]!.AsArray()).Single(s => (string?)s!["id"] == "certs.master-1.apiserver-cert")!;
        var sans = certStep["agent"]!["apiserverCertificate"]!["addSans"]!.AsArray();
        var vipSan = sans.Single(s => (string?)s == Vip)!;
        sans.Remove(vipSan);
        sans.Add(LabCli.Ip(99));
        var wrongPlan = Path.Combine(lab.TempDir, "wrong-san-plan.json");
        await File.WriteAllTextAsync(wrongPlan, json.ToJsonString());
        var certPath = Path.Combine(LabCli.NodeDir("master-1"), "etc-kubernetes", "pki", "apiserver.crt");
        var before = await File.ReadAllBytesAsync(certPath);

        var apply = await WatchedApply.RunAsync(lab, "kubeha apply (wrong SAN)", () =>
            KubehaCli.RunAsync(lab.StateDir, TimeSpan.FromMinutes(15), "apply", "-f", lab.InventoryPath, "--plan", wrongPlan, "--yes"));
        lab.Log("kubeha apply (wrong SAN) output:\n" + apply.Stdout + apply.Stderr);

        Assert.True(apply.ExitCode != 0, apply.Describe("kubeha apply with a wrong SAN must fail"));
        Assert.Contains("certs.master-1.endpoint-tls", apply.Stdout + apply.Stderr, StringComparison.Ordinal);
        using (var journal = new RunJournal(lab.StateDir, TimeProvider.System))
        {
            var run = journal.Runs()[^1];
            var steps = journal.Steps(run.RunId);
            Assert.Equal(RunStatus.Failed, run.Status);
            Assert.Equal(StepState.RolledBack, steps["certs.master-1.apiserver-cert"].State);
            Assert.Equal(StepState.Pending, steps["clients.master-1.kubeconfigs"].State);
        }

        // master-1 is as it was: its old certificate back, its API server serving.
        Assert.Equal(before, await File.ReadAllBytesAsync(certPath));
        // (master-2 and master-3 have not joined: the run stopped before the join phase.)
        var ready = await LabCli.NodeReadinessAsync();
        Assert.True(ready.Count == 3 && ready.Values.All(v => v == "True"), string.Join(' ', ready));
        await ConversionChecks.AssertTlsVerifiesAsync("master-1", $"{ConversionLab.NodeIp("master-1")}:6443", ConversionLab.NodeIp("master-1"));
    }

    private async Task KilledCoordinatorResumesAsync()
    {
        var log = Path.Combine(lab.TempDir, "apply-killed.log");
        string runId;
        HashSet<string> doneBeforeKill;
        using (var process = KubehaCli.Start(lab.StateDir, log, "apply", "-f", lab.InventoryPath, "--yes"))
        {
            // Kill it once a step of the clients phase has finished: mid-phase, with a run to resume.
            await LabCli.EventuallyAsync("the clients phase under way", TimeSpan.FromMinutes(12), async () =>
            {
                var text = File.Exists(log) ? await File.ReadAllTextAsync(log) : string.Empty;
                var clients = ClientsPhase().Match(text);
                var exited = process.HasExited;
                Assert.False(exited, $"kubeha apply ended before it could be killed:\n{text}");
                return (clients.Success && text[clients.Index..].Contains(": succeeded", StringComparison.Ordinal), text.Length > 2000 ? text[^2000..] : text);
            });
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        lab.Log("kubeha apply, killed in the clients phase:\n" + await File.ReadAllTextAsync(log));
        using (var journal = new RunJournal(lab.StateDir, TimeProvider.System))
        {
            var run = journal.Runs()[^1];
            Assert.Equal(RunStatus.Running, run.Status);
            runId = run.RunId;
            doneBeforeKill = [.. journal.Steps(runId).Values.Where(s => s.State == StepState.Succeeded).Select(s => s.StepId)];
        }

        Assert.Contains("certs.master-1.apiserver-cert", doneBeforeKill);
        await WatchedApply.ApplyAsync(lab, "-f", lab.InventoryPath, "--resume", runId, "--yes");

        using (var journal = new RunJournal(lab.StateDir, TimeProvider.System))
        {
            Assert.Equal(RunStatus.Succeeded, journal.Runs().Single(r => r.RunId == runId).Status);
            var steps = journal.Steps(runId);
            var repeated = doneBeforeKill.Where(id => steps[id].Attempt != 1 || steps[id].State != StepState.Succeeded).ToList();
            Assert.True(repeated.Count == 0, $"completed before the kill, run again on resume: {string.Join(", ", repeated)}");
            var submittedTwice = journal.Events(runId).Where(e => e.Kind == nameof(StepState.Submitted)).GroupBy(e => e.StepId).Where(g => g.Count() > 1 && doneBeforeKill.Contains(g.Key)).Select(g => g.Key).ToList();
            Assert.True(submittedTwice.Count == 0, $"submitted again on resume: {string.Join(", ", submittedTwice)}");
        }
    }

    [GeneratedRegex(@"== phase \d+/\d+ clients:")]
    private static partial Regex ClientsPhase();
}
