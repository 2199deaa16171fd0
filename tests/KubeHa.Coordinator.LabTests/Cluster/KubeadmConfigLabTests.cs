using k8s;
using k8s.Models;
using KubeHa.Coordinator.Cluster;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Coordinator.LabTests.Cluster;

/// <summary>kube-system/kubeadm-config through the lab's real kube-apiserver (v1.20.2, written by the real kubeadm init).</summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class KubeadmConfigLabTests(ClusterLab lab)
{
    private const string Key = "ClusterConfiguration";

    private Task<V1ConfigMap> ReadAsync() => lab.Client.CoreV1.ReadNamespacedConfigMapAsync("kubeadm-config", "kube-system");

    [LabFact]
    public async Task Check_EndpointNotSet_ReportsDiffAndWritesNothing()
    {
        lab.RequireUp();
        var before = await ReadAsync();

        var check = await lab.Runner.CheckAsync(Steps.KubeadmConfig("10.77.3.100"), default);

        Assert.True(check.Succeeded, check.Reason);
        Assert.True(check.WouldChange);
        Assert.StartsWith("--- a/kube-system/configmaps/kubeadm-config/data/ClusterConfiguration\n+++ b/kube-system/configmaps/kubeadm-config/data/ClusterConfiguration\n", check.Diff, StringComparison.Ordinal);
        Assert.Contains("\n+controlPlaneEndpoint: k8s-api.lab:8443\n", check.Diff, StringComparison.Ordinal);
        Assert.Contains("\n+  certSANs:\n+  - 10.77.3.100\n", check.Diff, StringComparison.Ordinal);
        Assert.Equal(before.Metadata.ResourceVersion, (await ReadAsync()).Metadata.ResourceVersion);
    }

    [LabFact]
    public async Task RunThenRollback_EndpointAndSans_AddsOnlyNewLinesAndRestoresExactData()
    {
        lab.RequireUp();
        var before = await ReadAsync();
        var runId = Steps.NewRunId();
        var step = Steps.KubeadmConfig("10.77.3.100", "k8s-api.lab", "10.77.3.11");

        var run = await lab.Runner.RunAsync(runId, step, default);
        try
        {
            var edited = await ReadAsync();

            Assert.True(run.Succeeded, run.Reason);
            Assert.True(run.Changed);
            string[] added = ["  certSANs:", "  - 10.77.3.100", "  - k8s-api.lab", "  - 10.77.3.11", "controlPlaneEndpoint: k8s-api.lab:8443"];
            var lines = edited.Data[Key].Split('\n');
            Assert.Equal(added, lines.Where(added.Contains));
            // Every other byte is as kubeadm wrote it: without the added lines the text is the old one exactly.
            Assert.Equal(before.Data[Key], string.Join('\n', lines.Where(l => !added.Contains(l))));
            Assert.Equal(before.Data["ClusterStatus"], edited.Data["ClusterStatus"]);
            Assert.True(File.Exists(lab.Runner.BackupPath(runId, step.Id)));

            var again = await lab.Runner.RunAsync(runId, step, default);
            var otherRun = await lab.Runner.RunAsync(Steps.NewRunId(), step, default);
            Assert.True(again.Succeeded && otherRun.Succeeded, again.Reason + otherRun.Reason);
            Assert.False(again.Changed);
            Assert.False(otherRun.Changed);
            Assert.Equal(edited.Metadata.ResourceVersion, (await ReadAsync()).Metadata.ResourceVersion);
        }
        finally
        {
            var rollback = await lab.Runner.RollbackAsync(runId, step, default);
            Assert.True(rollback.Succeeded, rollback.Reason);
            Assert.True(rollback.Changed);
        }

        Assert.Equal(before.Data, (await ReadAsync()).Data);
        Assert.False(File.Exists(lab.Runner.BackupPath(runId, step.Id)));
        var second = await lab.Runner.RollbackAsync(runId, step, default);
        Assert.True(second.Succeeded, second.Reason);
        Assert.False(second.Changed);
    }

    [LabFact]
    public async Task Rollback_ValueChangedBySomeoneElse_ReportsConflictAndWritesNothing()
    {
        lab.RequireUp();
        var before = await ReadAsync();
        var runId = Steps.NewRunId();
        var step = Steps.KubeadmConfig("10.77.3.100");
        Assert.True((await lab.Runner.RunAsync(runId, step, default)).Succeeded);
        var operatorEdit = await ReadAsync();
        operatorEdit.Data[Key] += "# edited by an operator\n";
        operatorEdit = await lab.Client.CoreV1.ReplaceNamespacedConfigMapAsync(operatorEdit, "kubeadm-config", "kube-system");
        try
        {
            var rollback = await lab.Runner.RollbackAsync(runId, step, default);

            Assert.False(rollback.Succeeded);
            Assert.Contains("ConfigMap kube-system/kubeadm-config data/ClusterConfiguration was changed by someone else after this step wrote it", rollback.Reason, StringComparison.Ordinal);
            Assert.Contains(lab.Runner.BackupPath(runId, step.Id), rollback.Reason, StringComparison.Ordinal);
            var now = await ReadAsync();
            Assert.Equal(operatorEdit.Data, now.Data);
            Assert.Equal(operatorEdit.Metadata.ResourceVersion, now.Metadata.ResourceVersion);
        }
        finally
        {
            var current = await ReadAsync();
            current.Data = before.Data;
            await lab.Client.CoreV1.ReplaceNamespacedConfigMapAsync(current, "kubeadm-config", "kube-system");
        }
    }

    [LabFact]
    public async Task Replace_ObjectWrittenSinceRead_ConflictNamesObjectAndWritesNothing()
    {
        lab.RequireUp();
        var objects = new ClusterObjects(lab.Client);
        var stale = await objects.ReadAsync(FieldChange.ConfigMap, "kube-system", "kubeadm-config", default);
        var other = await ReadAsync();
        other.Metadata.Annotations ??= new Dictionary<string, string>();
        other.Metadata.Annotations["kubeha.test/touched"] = Guid.NewGuid().ToString("N");
        other = await lab.Client.CoreV1.ReplaceNamespacedConfigMapAsync(other, "kubeadm-config", "kube-system");
        try
        {
            stale.Set("data/" + Key, "garbage: true\n");

            var e = await Assert.ThrowsAsync<ClusterConflictException>(() => objects.ReplaceAsync(stale, default));

            Assert.Contains($"ConfigMap kube-system/kubeadm-config was changed by someone else between read (resourceVersion {stale.ResourceVersion}) and write; nothing was written", e.Message, StringComparison.Ordinal);
            Assert.Equal(other.Data, (await ReadAsync()).Data);
        }
        finally
        {
            var current = await ReadAsync();
            current.Metadata.Annotations.Remove("kubeha.test/touched");
            await lab.Client.CoreV1.ReplaceNamespacedConfigMapAsync(current, "kubeadm-config", "kube-system");
        }
    }
}
