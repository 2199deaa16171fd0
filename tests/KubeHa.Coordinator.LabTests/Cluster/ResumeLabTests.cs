using k8s;
using k8s.Models;
using KubeHa.Coordinator.Cluster;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.LabTests.Cluster;

/// <summary>A cluster step resumed after a coordinator crash, using the backup file it left (kubeadm-config on the lab).</summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class ResumeLabTests(ClusterLab lab)
{
    private Task<V1ConfigMap> ReadAsync() => lab.Client.CoreV1.ReadNamespacedConfigMapAsync("kubeadm-config", "kube-system");

    [LabFact]
    public async Task Run_CrashedAfterWriteBeforeRecordingIt_ResumesUnchangedAndRollbackRestoresOriginal()
    {
        lab.RequireUp();
        var before = await ReadAsync();
        var runId = Steps.NewRunId();
        var step = Steps.KubeadmConfig("10.77.3.100");
        Assert.True((await lab.Runner.RunAsync(runId, step, default)).Succeeded);
        // As if the coordinator died between the API write and marking the change applied.
        var store = new StepBackupStore(lab.StateDir);
        var saved = store.Load(runId, step.Id)!;
        store.Save(saved with { Changes = [.. saved.Changes.Select(c => c with { Applied = false })] });

        var resumed = await lab.Runner.RunAsync(runId, step, default);
        var rollback = await lab.Runner.RollbackAsync(runId, step, default);

        Assert.True(resumed.Succeeded, resumed.Reason);
        Assert.False(resumed.Changed);
        Assert.True(rollback.Succeeded, rollback.Reason);
        Assert.Equal(before.Data, (await ReadAsync()).Data);
    }

    [LabFact]
    public async Task Run_CrashedBeforeWriteThenObjectChanged_PlansAfreshAndRollbackRestoresTheNewerValue()
    {
        lab.RequireUp();
        var original = await ReadAsync();
        var runId = Steps.NewRunId();
        var step = Steps.KubeadmConfig("10.77.3.100");
        var text = original.Data["ClusterConfiguration"];
        // The backup a crashed attempt saved before its write; then an operator changed the value.
        new StepBackupStore(lab.StateDir).Save(new StepBackup(runId, step.Id, "KubeadmConfig", DateTimeOffset.UtcNow,
            [new FieldChange(FieldChange.ConfigMap, "kube-system", "kubeadm-config", "data/ClusterConfiguration", text, text + "# never written\n")]));
        var changed = await ReadAsync();
        changed.Data["ClusterConfiguration"] = text + "# operator\n";
        await lab.Client.CoreV1.ReplaceNamespacedConfigMapAsync(changed, "kubeadm-config", "kube-system");
        try
        {
            var run = await lab.Runner.RunAsync(runId, step, default);

            Assert.True(run.Succeeded, run.Reason);
            Assert.True(run.Changed);
            var edited = (await ReadAsync()).Data["ClusterConfiguration"];
            Assert.Contains("controlPlaneEndpoint: k8s-api.lab:8443\n", edited, StringComparison.Ordinal);
            Assert.EndsWith("# operator\n", edited, StringComparison.Ordinal);

            var rollback = await lab.Runner.RollbackAsync(runId, step, default);

            Assert.True(rollback.Succeeded, rollback.Reason);
            Assert.Equal(text + "# operator\n", (await ReadAsync()).Data["ClusterConfiguration"]);
        }
        finally
        {
            var current = await ReadAsync();
            current.Data = original.Data;
            await lab.Client.CoreV1.ReplaceNamespacedConfigMapAsync(current, "kubeadm-config", "kube-system");
        }
    }
}
