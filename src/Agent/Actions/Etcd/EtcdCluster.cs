using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using KubeHa.Protos.Etcd;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>Membership and health, as etcdctl's member list and endpoint health compute them.</summary>
internal static class EtcdCluster
{
    private static readonly ByteString HealthKey = ByteString.CopyFromUtf8("health");

    public static Task<MemberListResponse> ListAsync(EtcdClient client, CancellationToken cancellationToken) =>
        client.FirstAsync(async (endpoint, ct) =>
            await client.Cluster(endpoint).MemberListAsync(new MemberListRequest(), cancellationToken: ct).ConfigureAwait(false),
            cancellationToken);

    /// <summary>Lists the members and probes each one's client URLs in parallel.</summary>
    public static async Task<IReadOnlyList<MemberState>> ListWithHealthAsync(EtcdClient client, CancellationToken cancellationToken)
    {
        var list = await ListAsync(client, cancellationToken).ConfigureAwait(false);
        var probes = list.Members.Select(async m =>
        {
            var (healthy, error) = await MemberHealthAsync(client, m, cancellationToken).ConfigureAwait(false);
            return MemberState.From(m, healthy, error);
        });
        return await Task.WhenAll(probes).ConfigureAwait(false);
    }

    public static async Task<(bool Healthy, string Error)> MemberHealthAsync(EtcdClient client, Member member, CancellationToken cancellationToken)
    {
        if (member.ClientURLs.Count == 0)
        {
            return (false, "not started (no client URLs)");
        }

        var errors = new List<string>();
        foreach (var url in member.ClientURLs)
        {
            var error = await EndpointHealthAsync(client, url, member.IsLearner, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                return (true, string.Empty);
            }

            errors.Add($"{url}: {error}");
        }

        return (false, string.Join("; ", errors));
    }

    /// <summary>
    /// etcdctl's endpoint health: a linearizable read of key "health" (permission denied also
    /// proves consensus) and no active alarm. A learner cannot serve linearizable reads, so for
    /// a learner a Status answer without errors counts.
    /// </summary>
    /// <returns>null when healthy, else the reason.</returns>
    public static async Task<string?> EndpointHealthAsync(EtcdClient client, string endpoint, bool learner, CancellationToken cancellationToken)
    {
        using var deadline = client.Deadline(cancellationToken);
        try
        {
            if (learner)
            {
                var status = await client.Maintenance(endpoint).StatusAsync(new StatusRequest(), cancellationToken: deadline.Token).ConfigureAwait(false);
                return status.Errors.Count == 0 ? null : string.Join("; ", status.Errors);
            }

            try
            {
                await client.Kv(endpoint).RangeAsync(new RangeRequest { Key = HealthKey }, cancellationToken: deadline.Token).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
            {
                // Authentication is on: the request still went through consensus.
            }

            var alarms = await client.Maintenance(endpoint).AlarmAsync(new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, cancellationToken: deadline.Token).ConfigureAwait(false);
            return alarms.Alarms.Count == 0
                ? null
                : "active alarm: " + string.Join(", ", alarms.Alarms.Select(a => $"{a.Alarm} on {a.MemberID.ToString("x", CultureInfo.InvariantCulture)}"));
        }
        catch (RpcException e)
        {
            return EtcdClient.Describe(e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {client.Timeout.TotalMilliseconds} ms";
        }
    }
}
