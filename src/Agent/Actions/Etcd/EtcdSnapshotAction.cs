using Grpc.Core;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>Saves an etcd snapshot to the step's backup directory (etcd-snapshot.db, 0600).</summary>
internal sealed class EtcdSnapshotAction : IStepAction
{
    private const string Name = "etcd_snapshot";

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.EtcdSnapshot;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        using var client = EtcdClient.Create(spec.EtcdSnapshot.Connection, context.Time, out var error);
        if (client is null)
        {
            return ActionResult.Refused($"{Name} on {context.Node}: {error}");
        }

        if (context.BackupDir.Length == 0)
        {
            return ActionResult.Failed($"{Name} on {context.Node}: the agent gave this step no backup directory");
        }

        if (context.DryRun)
        {
            context.Outputs["would_save"] = Path.Combine(context.BackupDir, EtcdSnapshot.FileName);
            return ActionResult.Succeeded();
        }

        try
        {
            var saved = await EtcdSnapshot.SaveAsync(client, context.BackupDir, cancellationToken).ConfigureAwait(false);
            context.Outputs["snapshot"] = saved.Path;
            context.Outputs["size"] = saved.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Outputs["sha256"] = saved.Sha256;
            context.Outputs["endpoint"] = saved.Endpoint;
            context.Effects.Add($"etcd snapshot saved to {saved.Path}");
            return ActionResult.Succeeded();
        }
        catch (EtcdUnavailableException e)
        {
            return ActionResult.Failed($"{Name} on {context.Node}: {e.Message}");
        }
        catch (RpcException e)
        {
            return ActionResult.Failed($"{Name} on {context.Node}: etcd said {EtcdClient.Describe(e)}");
        }
    }
}
