using System.Buffers.Binary;
using System.Diagnostics;
using KubeHa.Agent.Tests.Support;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Actions.Etcd;

[Collection(EtcdClusterGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class EtcdMemberActionTests(EtcdClusterFixture cluster)
{
    [Fact]
    public async Task List_ThreeMembers_ReportsIdsNamesAndPeerUrls()
    {
        var result = await cluster.Runner.ApplyAsync(cluster.Member(EtcdMemberOperation.List));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal(["etcd-1", "etcd-2", "etcd-3"], result.Outputs["member_names"].Split(',').Order());
        Assert.Equal(3, result.Outputs["member_ids"].Split(',').Length);
        foreach (var m in cluster.Members.Take(3))
        {
            Assert.Contains(m.PeerUrl, result.Outputs["peer_urls"], StringComparison.Ordinal);
        }

        Assert.False(result.Changed);
    }

    [Fact]
    public async Task Health_AllRunning_Succeeds()
    {
        var result = await cluster.Runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Health));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        Assert.Equal(3, result.Outputs["members"].Split('\n').Count(l => l.EndsWith(" healthy", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Status_AllRunning_ReportsOneLeaderAndVersion()
    {
        var result = await cluster.Runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Status));

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        var rows = result.Outputs["status"].Split('\n');
        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Contains("version=3.4.", r, StringComparison.Ordinal));
        Assert.Single(rows, r => r.Contains("is_leader=True", StringComparison.Ordinal));
        Assert.Contains(result.Outputs["leader"], result.Outputs["member_ids"].Split(','));
    }

    [Fact]
    public async Task Snapshot_Save_WritesPrivateBoltDbThatEtcdctlAccepts()
    {
        var stepId = cluster.Runner.NewStepId();
        var spec = new StepSpec { EtcdSnapshot = new EtcdSnapshotAction { Connection = cluster.Connection() } };

        var result = await cluster.Runner.ApplyAsync(spec, stepId);

        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);
        var path = Path.Combine(cluster.Runner.BackupDir(stepId), "etcd-snapshot.db");
        Assert.Equal(path, result.Outputs["snapshot"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var head = new byte[20];
        await using (var f = File.OpenRead(path))
        {
            f.ReadExactly(head);
        }

        Assert.Equal(0xED0CDAEDu, BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(16)));
        var status = await ProcessRunner.RunAsync("etcdctl", ["snapshot", "status", path, "-w", "json"], new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("\"totalKey\"", status.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddPromoteRemove_FourthMember_JoinsAsLearnerThenVotesThenLeaves()
    {
        var fourth = cluster.Members[3];
        var runner = cluster.Runner;
        var addStep = runner.NewStepId();
        await cluster.WaitReadyForChangesAsync();
        try
        {
            var add = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Add, a =>
            {
                a.PeerUrls.Add(fourth.PeerUrl);
                a.IsLearner = true;
                a.MemberName = fourth.Name;
            }), addStep);
            Assert.True(add.Outcome == StepOutcome.Succeeded, add.Reason);
            Assert.True(add.Changed);
            Assert.True(File.Exists(Path.Combine(runner.BackupDir(addStep), "etcd-snapshot.db")), "snapshot before ADD");
            Assert.Contains($"{fourth.Name}={fourth.PeerUrl}", add.Outputs["initial_cluster"], StringComparison.Ordinal);
            Assert.Contains(" learner", add.Outputs["members"], StringComparison.Ordinal);

            var again = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Add, a => a.PeerUrls.Add(fourth.PeerUrl)));
            Assert.Equal(StepOutcome.Succeeded, again.Outcome);
            Assert.False(again.Changed);
            Assert.Equal(add.Outputs["member_id"], again.Outputs["member_id"]);

            fourth.Start(add.Outputs["initial_cluster"], "existing");
            StepResult promote;
            var clock = Stopwatch.StartNew();
            do
            {
                // etcd promotes a learner only once it has caught up with the leader.
                promote = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Promote, a => a.PeerUrls.Add(fourth.PeerUrl)));
                if (promote.Outcome != StepOutcome.Succeeded)
                {
                    await Task.Delay(300);
                }
            }
            while (promote.Outcome != StepOutcome.Succeeded && clock.Elapsed < TimeSpan.FromSeconds(20));

            Assert.True(promote.Outcome == StepOutcome.Succeeded, promote.Reason + "\n" + fourth.Log);
            Assert.Contains("promoted", Assert.Single(promote.Effects), StringComparison.Ordinal);
            var list = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.List));
            Assert.Equal(4, list.Outputs["member_ids"].Split(',').Length);
            Assert.DoesNotContain(" learner", list.Outputs["members"], StringComparison.Ordinal);

            var removeStep = runner.NewStepId();
            var remove = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Remove, a => a.MemberName = fourth.Name), removeStep);
            Assert.True(remove.Outcome == StepOutcome.Succeeded, remove.Reason);
            Assert.True(File.Exists(Path.Combine(runner.BackupDir(removeStep), "etcd-snapshot.db")), "snapshot before REMOVE");
            Assert.Equal(3, remove.Outputs["member_ids"].Split(',').Length);
            Assert.DoesNotContain(fourth.PeerUrl, remove.Outputs["peer_urls"], StringComparison.Ordinal);

            var removeAgain = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Remove, a => a.PeerUrls.Add(fourth.PeerUrl)));
            Assert.Equal(StepOutcome.Succeeded, removeAgain.Outcome);
            Assert.False(removeAgain.Changed);
        }
        finally
        {
            fourth.Stop();
            await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Remove, a => { a.PeerUrls.Add(fourth.PeerUrl); a.SkipSnapshot = true; }));
        }
    }

    [Fact]
    public async Task Rollback_Add_RemovesTheAddedMemberOnly()
    {
        var runner = cluster.Runner;
        var unused = "https://127.0.0.1:1";
        var addStep = runner.NewStepId();
        var noopAddStep = runner.NewStepId();
        await cluster.WaitReadyForChangesAsync();
        try
        {
            var add = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Add, a => { a.PeerUrls.Add(unused); a.IsLearner = true; }), addStep);
            Assert.True(add.Outcome == StepOutcome.Succeeded, add.Reason);
            // ADD of an existing member changes nothing, so rolling it back must not remove that member.
            var noop = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Add, a => a.PeerUrls.Add(cluster.Members[0].PeerUrl)), noopAddStep);
            Assert.False(noop.Changed);

            var rollbackNoop = await runner.RollbackAsync(noopAddStep);
            var rollback = await runner.RollbackAsync(addStep);

            Assert.True(rollbackNoop.Outcome == StepOutcome.Succeeded, rollbackNoop.Reason);
            Assert.Empty(rollbackNoop.Effects);
            Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
            Assert.Contains($"etcd member {add.Outputs["member_id"]}", Assert.Single(rollback.Effects), StringComparison.Ordinal);
            var list = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.List));
            var peerUrls = list.Outputs["peer_urls"].Split([',', '|']);
            Assert.DoesNotContain(unused, peerUrls);
            Assert.Contains(cluster.Members[0].PeerUrl, peerUrls);
        }
        finally
        {
            await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Remove, a => { a.PeerUrls.Add(unused); a.SkipSnapshot = true; }));
        }
    }

    [Fact]
    public async Task RemoveAndAdd_OneOfThreeDown_RefusedForQuorum()
    {
        var runner = cluster.Runner;
        var down = cluster.Members[2];
        down.Stop();
        try
        {
            // If the stopped member led, the other two elect a new leader first.
            StepResult health;
            var clock = Stopwatch.StartNew();
            do
            {
                health = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Health));
            }
            while (!health.Reason.Contains("1 of 3 members unhealthy", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(45));

            var remove = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Remove, a => a.MemberName = cluster.Members[0].Name));
            var add = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.Add, a => a.PeerUrls.Add("https://127.0.0.1:2")));

            Assert.Equal(StepOutcome.Failed, health.Outcome);
            Assert.Contains("1 of 3 members unhealthy", health.Reason, StringComparison.Ordinal);
            Assert.Equal(StepOutcome.Refused, remove.Outcome);
            Assert.Contains("would lose quorum", remove.Reason, StringComparison.Ordinal);
            Assert.Equal(StepOutcome.Refused, add.Outcome);
            Assert.Contains("would lose quorum", add.Reason, StringComparison.Ordinal);
            var list = await runner.ApplyAsync(cluster.Member(EtcdMemberOperation.List));
            Assert.Equal(3, list.Outputs["member_ids"].Split(',').Length);
        }
        finally
        {
            await cluster.RestartAsync(down);
        }
    }
}
