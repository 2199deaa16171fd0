using KubeHa.Agent.LabTests.Fixture;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Agent.LabTests.StaticPod;

/// <summary>StaticPodRestartAction through the real agent against the real kube-apiserver of master-1 (the lab's kubelet stand-in runs it).</summary>
[Collection(AgentLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class StaticPodRestartLabTests(AgentLab lab)
{
    private const string Node = AgentLab.Master;
    private const string Manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";

    private static string HostManifest => Path.Combine(LabCli.NodeDir(Node), "etc-kubernetes", "manifests", "kube-apiserver.yaml");

    private static StaticPodRestartAction Restart(int readyTimeoutMs = 120_000, string previousStep = "") => new()
    {
        Component = "kube-apiserver",
        Health = new ProbeAction
        {
            Kind = ProbeKind.Https,
            Host = LabCli.Ip(11),
            Port = 6443,
            Path = "/readyz",
            CaFile = "/etc/kubernetes/pki/ca.crt",
            ClientCertFile = "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
            ClientKeyFile = "/etc/kubernetes/pki/apiserver-kubelet-client.key",
        },
        ReadyTimeoutMs = readyTimeoutMs,
        PreviousManifestStepId = previousStep,
    };

    /// <summary>The kube-apiserver process the stand-in runs (its state file: line 3 is "NAME PID ...").</summary>
    private static string ApiServerPid()
    {
        var state = Path.Combine(LabCli.NodeDir(Node), "var-lib-kubelet", "lab-pods", "kube-apiserver.yaml.state");
        return File.Exists(state) ? File.ReadAllLines(state).ElementAtOrDefault(2)?.Split(' ').ElementAtOrDefault(1) ?? string.Empty : string.Empty;
    }

    [LabFact]
    public async Task Restart_KubeApiserver_StopsAndComesBackHealthyWithTheSameManifest_RollbackRestartsAgain()
    {
        lab.RequireUp();
        var before = await File.ReadAllBytesAsync(HostManifest);
        var pidBefore = ApiServerPid();
        await using var steps = new AgentSteps(lab.Agents, Node, "spr");

        var check = await steps.CheckAsync("check", new StepSpec { StaticPodRestart = Restart() });
        var samePid = ApiServerPid();
        var result = await steps.ApplyAsync("restart", new StepSpec { StaticPodRestart = Restart() });
        var pidAfter = ApiServerPid();
        var rollback = await steps.RollbackAsync("undo", "restart");

        Assert.Equal(["would restart static pod kube-apiserver (" + Manifest + " out and back), then wait up to 120 s for HTTPS " + LabCli.Ip(11) + ":6443/readyz"], check.Effects);
        Assert.Equal(pidBefore, samePid);
        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal(["restarted static pod kube-apiserver"], result.Effects);
        Assert.Empty(result.Changes);
        Assert.Equal("true", result.Outputs["stop_observed"]);
        Assert.NotEqual(pidBefore, pidAfter);
        Assert.Equal(before, await File.ReadAllBytesAsync(HostManifest));
        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.NotEqual(pidAfter, ApiServerPid());
        lab.Log($"kube-apiserver restart: stopped after {result.Outputs["stopped_after_ms"]} ms, ready after {result.Outputs["ready_after_ms"]} ms");
    }

    [LabFact]
    public async Task Restart_BrokenFlagFromAnEarlierStep_PutsBackTheManifestBeforeThatStepAndFails()
    {
        lab.RequireUp();
        var original = await File.ReadAllBytesAsync(HostManifest);
        await using var steps = new AgentSteps(lab.Agents, Node, "spr-broken");
        var flags = new StaticPodFlagsAction { ManifestPath = Manifest };
        flags.Set.Add(new StaticPodFlag { Name = "etcd-servers", Value = "https://127.0.0.1:2999" });

        var edit = await steps.ApplyAsync("flags", new StepSpec { StaticPodFlags = flags });
        var restart = await steps.ApplyAsync("restart", new StepSpec { StaticPodRestart = Restart(readyTimeoutMs: 45_000, previousStep: "flags") });
        var afterRestart = await File.ReadAllBytesAsync(HostManifest);
        var undoRestart = await steps.RollbackAsync("undo-restart", "restart");
        var undoFlags = await steps.RollbackAsync("undo-flags", "flags");

        Assert.True(edit.Outcome == StepOutcome.Succeeded, edit.Reason);
        Assert.Equal(StepOutcome.Failed, restart.Outcome);
        Assert.StartsWith($"kube-apiserver on {Node} did not answer HTTPS {LabCli.Ip(11)}:6443/readyz within 45 s (last: ", restart.Reason, StringComparison.Ordinal);
        Assert.EndsWith("; put back the manifest as it was before step flags: kube-apiserver is healthy again", restart.Reason, StringComparison.Ordinal);
        Assert.Contains($"put back the manifest as it was before step flags ({Manifest})", restart.Effects);
        Assert.Equal(original, afterRestart);
        Assert.True(undoRestart.Outcome == StepOutcome.Succeeded, undoRestart.Reason);
        Assert.True(undoFlags.Outcome == StepOutcome.Succeeded, undoFlags.Reason);
        Assert.Equal(original, await File.ReadAllBytesAsync(HostManifest));
        var nodes = await LabCli.NodeReadinessAsync();
        Assert.Contains(Node, nodes.Keys);
    }
}
