using System.Globalization;
using Grpc.Core;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Etcd;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>etcdctl endpoint status --cluster: every member's version, leader, raft and db size.</summary>
internal static class EtcdStatus
{
    public static async Task<ActionResult> RunAsync(EtcdClient client, StepContext context, CancellationToken cancellationToken)
    {
        var list = await EtcdCluster.ListAsync(client, cancellationToken).ConfigureAwait(false);
        var rows = await Task.WhenAll(list.Members.Select(m => RowAsync(client, m, cancellationToken))).ConfigureAwait(false);
        context.Outputs["status"] = string.Join("\n", rows.Select(r => r.Text));
        context.Outputs["member_ids"] = string.Join(",", list.Members.Select(m => m.ID.ToString("x", CultureInfo.InvariantCulture)));
        var leaders = rows.Where(r => r.Leader != 0).Select(r => r.Leader).Distinct().ToList();
        if (leaders.Count == 1)
        {
            context.Outputs["leader"] = leaders[0].ToString("x", CultureInfo.InvariantCulture);
        }

        var failed = rows.Where(r => !r.Ok).ToList();
        return failed.Count == rows.Length
            ? ActionResult.Failed($"etcd_member STATUS: no member answered: {string.Join("; ", failed.Select(r => r.Text))}")
            : ActionResult.Succeeded();
    }

    private static async Task<(bool Ok, ulong Leader, string Text)> RowAsync(EtcdClient client, Member member, CancellationToken cancellationToken)
    {
        var id = member.ID.ToString("x", CultureInfo.InvariantCulture);
        if (member.ClientURLs.Count == 0)
        {
            return (false, 0, $"{id} not started");
        }

        var url = member.ClientURLs[0];
        using var deadline = client.Deadline(cancellationToken);
        try
        {
            var s = await client.Maintenance(url).StatusAsync(new StatusRequest(), cancellationToken: deadline.Token).ConfigureAwait(false);
            return (true, s.Leader, string.Create(CultureInfo.InvariantCulture,
                $"{id} {url} version={s.Version} db_size={s.DbSize} leader={s.Leader:x} is_leader={s.Leader == member.ID} raft_term={s.RaftTerm} raft_index={s.RaftIndex} learner={s.IsLearner}{(s.Errors.Count > 0 ? " errors=" + string.Join("|", s.Errors) : string.Empty)}"));
        }
        catch (RpcException e)
        {
            return (false, 0, $"{id} {url} error: {EtcdClient.Describe(e)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, 0, $"{id} {url} error: no answer within {client.Timeout.TotalMilliseconds} ms");
        }
    }
}
