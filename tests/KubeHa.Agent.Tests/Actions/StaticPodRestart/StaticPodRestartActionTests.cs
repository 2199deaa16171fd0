using System.Text;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using FlagsAction = KubeHa.Agent.Actions.StaticPodFlags.StaticPodFlagsAction;
using RestartAction = KubeHa.Agent.Actions.StaticPodRestart.StaticPodRestartAction;

namespace KubeHa.Agent.Tests.Actions.StaticPodRestart;

[Trait(Categories.Name, Categories.Unit)]
public sealed class StaticPodRestartActionTests : IAsyncLifetime
{
    private readonly StepHarness _harness = new(h => [new RestartAction(h.Options), new FlagsAction()]);
    private FakeKubelet _kubelet = null!;

    private string Manifest => _harness.PathInRoot("manifests", "etcd.yaml");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_harness.PathInRoot("manifests"));
        await File.WriteAllBytesAsync(Manifest, TestAssets.Bytes("manifests", "etcd.yaml"));
        _kubelet = new FakeKubelet(Manifest);
        await WaitListeningAsync();
    }

    public async Task DisposeAsync()
    {
        await _kubelet.DisposeAsync();
        _harness.Dispose();
    }

    private async Task WaitListeningAsync()
    {
        for (var i = 0; i < 100 && _kubelet.Starts == 0; i++)
        {
            await Task.Delay(20);
        }
    }

    private StepSpec Restart(int readyTimeoutMs = 3000, string previous = "", string component = "etcd") => new()
    {
        StaticPodRestart = new StaticPodRestartAction
        {
            Component = component,
            ManifestsDir = _harness.PathInRoot("manifests"),
            Health = new ProbeAction { Kind = ProbeKind.Tcp, Host = "127.0.0.1", Port = _kubelet.Port, TimeoutMs = 500 },
            StopTimeoutMs = 3000,
            ReadyTimeoutMs = readyTimeoutMs,
            PollIntervalMs = 50,
            PreviousManifestStepId = previous,
        },
    };

    [Fact]
    public async Task Apply_HealthyPod_RestartedWithTheSameBytesAndNoFileChange()
    {
        var before = await File.ReadAllBytesAsync(Manifest);

        var result = await _harness.ApplyAsync(Restart());

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal(2, _kubelet.Starts);
        Assert.Empty(result.Changes);
        Assert.Equal(["restarted static pod etcd"], result.Effects);
        Assert.Equal("true", result.Outputs["stop_observed"]);
        Assert.Equal(before, await File.ReadAllBytesAsync(Manifest));
        Assert.False(Directory.EnumerateFiles(_harness.Options.BackupsDir, "*.yaml", SearchOption.AllDirectories).Any(), "moved-out manifest left behind");
    }

    [Fact]
    public async Task Check_HealthyPod_ReportsAndTouchesNothing()
    {
        var result = await _harness.CheckAsync(Restart());

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Single(result.Effects, e => e.StartsWith("would restart static pod etcd (", StringComparison.Ordinal));
        Assert.Equal(1, _kubelet.Starts);
    }

    [Fact]
    public async Task Apply_BrokenByEarlierStep_PutsBackThatStepsManifestAndFails()
    {
        var original = await File.ReadAllBytesAsync(Manifest);
        var flags = new StaticPodFlagsAction { ManifestPath = Manifest };
        flags.Set.Add(new StaticPodFlag { Name = "broken", Value = "true" });
        await _harness.ApplyAsync(new StepSpec { StaticPodFlags = flags }, "flags");

        var result = await _harness.ApplyAsync(Restart(readyTimeoutMs: 1000, previous: "flags"), "restart");

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.StartsWith("etcd on node-1 did not answer TCP 127.0.0.1:", result.Reason, StringComparison.Ordinal);
        Assert.EndsWith("; put back the manifest as it was before step flags: etcd is healthy again", result.Reason, StringComparison.Ordinal);
        Assert.Equal(original, await File.ReadAllBytesAsync(Manifest));
    }

    [Fact]
    public async Task Rollback_AfterPutBack_KeepsThePutBackManifestAndRestarts()
    {
        var original = await File.ReadAllBytesAsync(Manifest);
        var flags = new StaticPodFlagsAction { ManifestPath = Manifest };
        flags.Set.Add(new StaticPodFlag { Name = "broken", Value = "true" });
        await _harness.ApplyAsync(new StepSpec { StaticPodFlags = flags }, "flags");
        await _harness.ApplyAsync(Restart(readyTimeoutMs: 1000, previous: "flags"), "restart");
        var starts = _kubelet.Starts;

        var rollback = await _harness.RollbackAsync("restart");

        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(original, await File.ReadAllBytesAsync(Manifest));
        Assert.Equal(starts + 1, _kubelet.Starts);
    }

    [Fact]
    public async Task Apply_NoManifest_FailsNamingIt()
    {
        var result = await _harness.ApplyAsync(Restart(component: "kube-scheduler"));

        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Equal($"static pod restart on node-1: no manifest {_harness.PathInRoot("manifests", "kube-scheduler.yaml")}", result.Reason);
    }

    [Fact]
    public async Task Apply_InvalidSpec_RefusedWithEveryProblem()
    {
        var result = await _harness.ApplyAsync(new StepSpec
        {
            StaticPodRestart = new StaticPodRestartAction { Component = "../etc", ReadyTimeoutMs = -1, PreviousManifestStepId = "a/b" },
        });

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("component must be", result.Reason, StringComparison.Ordinal);
        Assert.Contains("health is required", result.Reason, StringComparison.Ordinal);
        Assert.Contains("ready_timeout_ms must be", result.Reason, StringComparison.Ordinal);
        Assert.Contains("previous_manifest_step_id 'a/b'", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ManifestOutsideAllowedRoots_Refused()
    {
        var spec = Restart();
        spec.StaticPodRestart.ManifestsDir = _harness.Outside;

        var result = await _harness.ApplyAsync(spec);

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Contains("outside the agent's allowed roots", result.Reason, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(TestAssets.Bytes("manifests", "etcd.yaml")), await File.ReadAllTextAsync(Manifest));
    }
}
