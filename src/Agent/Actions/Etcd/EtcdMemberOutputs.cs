using System.Globalization;
using KubeHa.Agent.Steps;
using EtcdMemberSpec = KubeHa.Protos.Agent.V1.EtcdMemberAction;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>Member selection, outputs and the pre-change snapshot of <see cref="EtcdMemberAction"/>.</summary>
internal static class EtcdMemberOutputs
{
    /// <returns>null when exactly one selector is given and valid, else the reason.</returns>
    public static string? ParseSelector(EtcdMemberSpec a, out ulong id)
    {
        id = 0;
        var selectors = (a.PeerUrls.Count > 0 ? 1 : 0) + (a.MemberName.Length > 0 ? 1 : 0) + (a.MemberId.Length > 0 ? 1 : 0);
        if (selectors != 1)
        {
            return "name the member by exactly one of peer_urls, member_name, member_id";
        }

        return a.MemberId.Length > 0 && !ulong.TryParse(a.MemberId, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out id)
            ? $"member_id '{a.MemberId}' is not a hex member id"
            : null;
    }

    public static async Task SnapshotFirstAsync(EtcdClient client, StepContext context, CancellationToken cancellationToken)
    {
        if (context.BackupDir.Length == 0)
        {
            throw new EtcdUnavailableException("no backup directory for the snapshot taken before a membership change");
        }

        var saved = await EtcdSnapshot.SaveAsync(client, context.BackupDir, cancellationToken).ConfigureAwait(false);
        context.Outputs["snapshot"] = saved.Path;
        context.Outputs["snapshot_sha256"] = saved.Sha256;
        await context.ProgressAsync($"saved etcd snapshot {saved.Path} ({saved.Size} bytes) from {saved.Endpoint}").ConfigureAwait(false);
    }

    public static void Report(StepContext context, IReadOnlyList<MemberState> members)
    {
        context.Outputs["member_ids"] = string.Join(",", members.Select(m => m.IdHex));
        context.Outputs["member_names"] = string.Join(",", members.Select(m => m.Name));
        context.Outputs["peer_urls"] = string.Join(",", members.Select(m => string.Join("|", m.PeerUrls)));
        context.Outputs["members"] = string.Join("\n", members.Select(m => m.Describe()));
    }
}
