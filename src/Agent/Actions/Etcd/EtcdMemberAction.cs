using System.Globalization;
using Grpc.Core;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Etcd;
using Microsoft.Extensions.Logging;
using EtcdMemberSpec = KubeHa.Protos.Agent.V1.EtcdMemberAction;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>
/// etcd membership over the v3 API: list, health, status, and the changes add (optionally as
/// learner), promote and remove, each preceded by a snapshot and refused when it would cost
/// quorum. Adding a peer URL that is already a member and removing a non-member change nothing.
/// </summary>
internal sealed partial class EtcdMemberAction(ILogger<EtcdMemberAction> logger) : IStepAction
{
    private const string Name = "etcd_member";
    /// <summary>Written to the step's backup directory after ADD: the id of the member it added.</summary>
    public const string AddedMarker = "etcd-member-added";

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.EtcdMember;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var a = spec.EtcdMember;
        using var client = EtcdClient.Create(a.Connection, context.Time, out var error);
        if (client is null)
        {
            return ActionResult.Refused($"{Name} on {context.Node}: {error}");
        }

        try
        {
            return a.Operation switch
            {
                EtcdMemberOperation.List or EtcdMemberOperation.Health => await ListAsync(a, client, context, cancellationToken).ConfigureAwait(false),
                EtcdMemberOperation.Status => await EtcdStatus.RunAsync(client, context, cancellationToken).ConfigureAwait(false),
                EtcdMemberOperation.Add => await AddAsync(a, client, context, cancellationToken).ConfigureAwait(false),
                EtcdMemberOperation.Promote or EtcdMemberOperation.Remove => await ChangeAsync(a, client, context, cancellationToken).ConfigureAwait(false),
                _ => ActionResult.Refused($"{Name}: operation must be LIST, ADD, PROMOTE, REMOVE, HEALTH or STATUS"),
            };
        }
        catch (EtcdUnavailableException e)
        {
            return ActionResult.Failed($"{Name} {a.Operation} on {context.Node}: {e.Message}");
        }
        catch (RpcException e)
        {
            return ActionResult.Failed($"{Name} {a.Operation} on {context.Node}: etcd said {EtcdClient.Describe(e)}");
        }
    }

    /// <summary>Undoes an ADD: removes the member that step added, if still there and safe.</summary>
    public async Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var marker = context.RolledBackStepBackupDir.Length == 0 ? null : Path.Combine(context.RolledBackStepBackupDir, AddedMarker);
        if (spec.EtcdMember.Operation != EtcdMemberOperation.Add || marker is null || !File.Exists(marker))
        {
            return ActionResult.Succeeded();
        }

        var id = ulong.Parse(File.ReadAllText(marker).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        using var client = EtcdClient.Create(spec.EtcdMember.Connection, context.Time, out var error);
        if (client is null)
        {
            return ActionResult.Refused($"{Name} rollback on {context.Node}: {error}");
        }

        try
        {
            var members = await EtcdCluster.ListWithHealthAsync(client, cancellationToken).ConfigureAwait(false);
            if (members.All(m => m.Id != id))
            {
                await context.ProgressAsync($"member {id:x} is no longer in the cluster").ConfigureAwait(false);
                return ActionResult.Succeeded();
            }

            return await RemoveAsync(client, context, members, members.Single(m => m.Id == id), skipSnapshot: false, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdUnavailableException e)
        {
            return ActionResult.Failed($"{Name} rollback on {context.Node}: {e.Message}");
        }
        catch (RpcException e)
        {
            return ActionResult.Failed($"{Name} rollback on {context.Node}: etcd said {EtcdClient.Describe(e)}");
        }
    }

    private static async Task<ActionResult> ListAsync(EtcdMemberSpec a, EtcdClient client, StepContext context, CancellationToken cancellationToken)
    {
        var members = await EtcdCluster.ListWithHealthAsync(client, cancellationToken).ConfigureAwait(false);
        EtcdMemberOutputs.Report(context, members);
        var unhealthy = members.Where(m => !m.Healthy).ToList();
        if (a.Operation == EtcdMemberOperation.Health && unhealthy.Count > 0)
        {
            return ActionResult.Failed(
                $"{Name} HEALTH: {unhealthy.Count} of {members.Count} members unhealthy: {string.Join("; ", unhealthy.Select(m => m.Describe()))}");
        }

        return ActionResult.Succeeded();
    }

    private async Task<ActionResult> AddAsync(EtcdMemberSpec a, EtcdClient client, StepContext context, CancellationToken cancellationToken)
    {
        var bad = a.PeerUrls.Where(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http")).ToList();
        if (a.PeerUrls.Count == 0 || bad.Count > 0)
        {
            return ActionResult.Refused($"{Name} ADD: peer_urls must be one or more http(s) URLs{(bad.Count > 0 ? $"; invalid: {string.Join(", ", bad)}" : string.Empty)}");
        }

        var members = await EtcdCluster.ListWithHealthAsync(client, cancellationToken).ConfigureAwait(false);
        var existing = members.FirstOrDefault(m => m.PeerUrls.Intersect(a.PeerUrls, StringComparer.Ordinal).Any());
        if (existing is not null)
        {
            EtcdMemberOutputs.Report(context, members);
            context.Outputs["member_id"] = existing.IdHex;
            await context.ProgressAsync($"{string.Join(",", a.PeerUrls)} is already member {existing.IdHex}; nothing to do").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        var refusal = EtcdQuorum.CheckAdd(members, a.IsLearner);
        if (refusal is not null)
        {
            EtcdMemberOutputs.Report(context, members);
            return ActionResult.Refused($"{Name} ADD {string.Join(",", a.PeerUrls)}: {refusal}");
        }

        if (context.DryRun)
        {
            context.Outputs["would_add"] = string.Join(",", a.PeerUrls) + (a.IsLearner ? " (learner)" : string.Empty);
            EtcdMemberOutputs.Report(context, members);
            return ActionResult.Succeeded();
        }

        if (!a.SkipSnapshot)
        {
            await EtcdMemberOutputs.SnapshotFirstAsync(client, context, cancellationToken).ConfigureAwait(false);
        }

        var request = new MemberAddRequest { IsLearner = a.IsLearner };
        request.PeerURLs.AddRange(a.PeerUrls);
        var added = await client.FirstAsync((e, ct) => client.Cluster(e).MemberAddAsync(request, cancellationToken: ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        var id = added.Member.ID.ToString("x", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(context.BackupDir);
        AtomicFile.WriteAllText(Path.Combine(context.BackupDir, AddedMarker), id + "\n", AtomicFile.PrivateMode);
        context.Effects.Add($"etcd member {id} added ({string.Join(",", a.PeerUrls)}{(a.IsLearner ? ", learner" : string.Empty)})");
        LogMemberAdded(logger, context.RunId, context.StepId, context.Node, id, a.IsLearner);
        context.Outputs["member_id"] = id;
        context.Outputs["initial_cluster"] = string.Join(",",
            added.Members.Where(m => m.Name.Length > 0 || m.ID == added.Member.ID)
                .SelectMany(m => m.PeerURLs.Select(u => $"{(m.ID == added.Member.ID ? a.MemberName : m.Name)}={u}")));
        EtcdMemberOutputs.Report(context, [.. added.Members.Select(m => MemberState.From(m, m.ID != added.Member.ID && members.Any(x => x.Id == m.ID && x.Healthy), string.Empty))]);
        return ActionResult.Succeeded();
    }

    private async Task<ActionResult> ChangeAsync(EtcdMemberSpec a, EtcdClient client, StepContext context, CancellationToken cancellationToken)
    {
        var selectorError = EtcdMemberOutputs.ParseSelector(a, out var id);
        if (selectorError is not null)
        {
            return ActionResult.Refused($"{Name} {a.Operation}: {selectorError}");
        }

        var members = await EtcdCluster.ListWithHealthAsync(client, cancellationToken).ConfigureAwait(false);
        EtcdMemberOutputs.Report(context, members);
        var target = members.FirstOrDefault(m =>
            (a.MemberId.Length > 0 && m.Id == id) ||
            (a.MemberName.Length > 0 && m.Name == a.MemberName) ||
            (a.PeerUrls.Count > 0 && m.PeerUrls.Intersect(a.PeerUrls, StringComparer.Ordinal).Any()));
        var what = a.MemberId.Length > 0 ? a.MemberId : a.MemberName.Length > 0 ? a.MemberName : string.Join(",", a.PeerUrls);
        if (a.Operation == EtcdMemberOperation.Remove)
        {
            if (target is null)
            {
                await context.ProgressAsync($"{what} is not a member; nothing to remove").ConfigureAwait(false);
                return ActionResult.Succeeded();
            }

            return await RemoveAsync(client, context, members, target, a.SkipSnapshot, cancellationToken).ConfigureAwait(false);
        }

        if (target is null)
        {
            return ActionResult.Refused($"{Name} PROMOTE: {what} is not a member of the cluster");
        }

        if (!target.IsLearner)
        {
            await context.ProgressAsync($"{target.IdHex} is already a voting member; nothing to do").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        var refusal = EtcdQuorum.CheckPromote(members, target.Id);
        if (refusal is not null)
        {
            return ActionResult.Refused($"{Name} PROMOTE: {refusal}");
        }

        if (context.DryRun)
        {
            context.Outputs["would_promote"] = target.IdHex;
            return ActionResult.Succeeded();
        }

        if (!a.SkipSnapshot)
        {
            await EtcdMemberOutputs.SnapshotFirstAsync(client, context, cancellationToken).ConfigureAwait(false);
        }

        var promoted = await client.FirstAsync((e, ct) => client.Cluster(e).MemberPromoteAsync(new MemberPromoteRequest { ID = target.Id }, cancellationToken: ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        context.Effects.Add($"etcd member {target.IdHex} promoted to voting member");
        LogMemberPromoted(logger, context.RunId, context.StepId, context.Node, target.IdHex);
        EtcdMemberOutputs.Report(context, [.. promoted.Members.Select(m => MemberState.From(m, members.Any(x => x.Id == m.ID && x.Healthy), string.Empty))]);
        return ActionResult.Succeeded();
    }

    private async Task<ActionResult> RemoveAsync(EtcdClient client, StepContext context, IReadOnlyList<MemberState> members, MemberState target, bool skipSnapshot, CancellationToken cancellationToken)
    {
        var refusal = EtcdQuorum.CheckRemove(members, target.Id);
        if (refusal is not null)
        {
            return ActionResult.Refused($"{Name} REMOVE {target.IdHex} ({target.Name}): {refusal}");
        }

        if (context.DryRun)
        {
            context.Outputs["would_remove"] = target.IdHex;
            return ActionResult.Succeeded();
        }

        if (!skipSnapshot)
        {
            await EtcdMemberOutputs.SnapshotFirstAsync(client, context, cancellationToken).ConfigureAwait(false);
        }

        // Ask the other members: a member may not answer after removing itself.
        var response = await client.FirstAsync((e, ct) => client.Cluster(e).MemberRemoveAsync(new MemberRemoveRequest { ID = target.Id }, cancellationToken: ct).ResponseAsync, cancellationToken).ConfigureAwait(false);
        context.Effects.Add($"etcd member {target.IdHex} ({target.Name}) removed");
        LogMemberRemoved(logger, context.RunId, context.StepId, context.Node, target.IdHex);
        EtcdMemberOutputs.Report(context, [.. response.Members.Select(m => MemberState.From(m, members.Any(x => x.Id == m.ID && x.Healthy), string.Empty))]);
        return ActionResult.Succeeded();
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "etcd member {MemberId} added (learner={Learner}) {RunId} {StepId} {Node}")]
    private static partial void LogMemberAdded(ILogger logger, string runId, string stepId, string node, string memberId, bool learner);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "etcd member {MemberId} promoted {RunId} {StepId} {Node}")]
    private static partial void LogMemberPromoted(ILogger logger, string runId, string stepId, string node, string memberId);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "etcd member {MemberId} removed {RunId} {StepId} {Node}")]
    private static partial void LogMemberRemoved(ILogger logger, string runId, string stepId, string node, string memberId);
}
