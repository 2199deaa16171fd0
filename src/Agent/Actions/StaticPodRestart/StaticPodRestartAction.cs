using KubeHa.Agent.Actions.Probe;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Files;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.StaticPodRestart;

/// <summary>
/// Restarts a static pod (manifest out, stopped, back, healthy) and, when it does not come back
/// in time, puts the previous manifest back: the one an earlier step of the run backed up
/// (<c>previous_manifest_step_id</c>), else the one found at the start; then waits once more and
/// fails with both outcomes. ROLLBACK restarts it again (so it picks up files restored by the
/// rollbacks before it) and waits for health. See the proto for the fields.
/// </summary>
internal sealed class StaticPodRestartAction(AgentOptions options) : IStepAction
{
    private readonly BackupStore _backups = new(options.BackupsDir);

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.StaticPodRestart;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var settings = StaticPodRestartSettings.Create(spec.StaticPodRestart, out var errors);
        if (settings is null)
        {
            return ActionResult.Refused($"static pod restart on {context.Node}: {string.Join("; ", errors)}");
        }

        using var probe = ProbeSettings.Load(settings.Health, out var loadError);
        if (probe is null)
        {
            return ActionResult.Refused($"static pod restart of {settings.Component} on {context.Node}: health: {loadError}");
        }

        context.Files.CheckWritable(settings.Manifest);
        if (!File.Exists(settings.Manifest))
        {
            return ActionResult.Failed($"static pod restart on {context.Node}: no manifest {settings.Manifest}");
        }

        var previous = PreviousManifest(settings, context, out var previousError);
        if (previousError is not null)
        {
            return ActionResult.Refused($"static pod restart of {settings.Component} on {context.Node}: {previousError}");
        }

        var manifest = await File.ReadAllBytesAsync(settings.Manifest, cancellationToken).ConfigureAwait(false);
        var mode = File.GetUnixFileMode(settings.Manifest);
        if (context.DryRun)
        {
            context.Effects.Add($"would restart static pod {settings.Component} ({settings.Manifest} out and back), then wait up to {settings.ReadyTimeout.TotalSeconds:0} s for {settings.HealthTarget}");
            return ActionResult.Succeeded();
        }

        Directory.CreateDirectory(context.BackupDir);
        var restarter = new StaticPodRestarter(settings, probe, context);
        var failure = await restarter.RestartAsync(manifest, mode, cancellationToken).ConfigureAwait(false);
        context.Effects.Add($"restarted static pod {settings.Component}");
        if (failure is null)
        {
            return ActionResult.Succeeded();
        }

        return await PutBackAsync(settings, restarter, previous ?? (manifest, mode), failure, context, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var settings = StaticPodRestartSettings.Create(spec.StaticPodRestart, out var errors);
        using var probe = settings is null ? null : ProbeSettings.Load(settings.Health, out _);
        if (settings is null || probe is null)
        {
            return ActionResult.Failed($"static pod restart rollback on {context.Node}: the original step is invalid: {string.Join("; ", errors)}");
        }

        context.Files.CheckWritable(settings.Manifest);
        Directory.CreateDirectory(context.BackupDir);
        var parked = StaticPodRestarter.MovedOutPath(context.RolledBackStepBackupDir, settings.Component);
        if (!File.Exists(settings.Manifest) && context.RolledBackStepBackupDir.Length > 0 && File.Exists(parked))
        {
            // The step was interrupted while the manifest was out: put it back first.
            AtomicFile.WriteAllBytes(settings.Manifest, await File.ReadAllBytesAsync(parked, cancellationToken).ConfigureAwait(false), File.GetUnixFileMode(parked));
            AtomicFile.Delete(parked);
            context.Effects.Add($"put back {settings.Manifest} left out by the interrupted step");
        }

        if (!File.Exists(settings.Manifest))
        {
            return ActionResult.Failed($"static pod restart rollback on {context.Node}: no manifest {settings.Manifest}");
        }

        var restarter = new StaticPodRestarter(settings, probe, context);
        var failure = await restarter.RestartAsync(await File.ReadAllBytesAsync(settings.Manifest, cancellationToken).ConfigureAwait(false),
            File.GetUnixFileMode(settings.Manifest), cancellationToken).ConfigureAwait(false);
        context.Effects.Add($"restarted static pod {settings.Component}");
        return failure is null ? ActionResult.Succeeded() : ActionResult.Failed("rollback: " + failure);
    }

    /// <summary>
    /// Puts the previous manifest back and waits once more. Written directly (recorded as an
    /// effect, not as a file change of this step), so a rollback of this step keeps it.
    /// </summary>
    private static async Task<ActionResult> PutBackAsync(StaticPodRestartSettings settings, StaticPodRestarter restarter, (byte[] Content, UnixFileMode Mode) previous,
        string failure, StepContext context, CancellationToken cancellationToken)
    {
        var current = await File.ReadAllBytesAsync(settings.Manifest, cancellationToken).ConfigureAwait(false);
        string? again;
        string what;
        if (current.AsSpan().SequenceEqual(previous.Content))
        {
            what = "restarted it once more with the same manifest";
            again = await restarter.RestartAsync(current, previous.Mode, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            what = settings.PreviousManifestStepId.Length > 0
                ? $"put back the manifest as it was before step {settings.PreviousManifestStepId}"
                : "put back the previous manifest";
            AtomicFile.WriteAllBytes(settings.Manifest, previous.Content, previous.Mode);
            context.Effects.Add($"{what} ({settings.Manifest})");
            again = await restarter.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
        }

        return ActionResult.Failed(again is null
            ? $"{failure}; {what}: {settings.Component} is healthy again"
            : $"{failure}; {what}: still not healthy: {again}");
    }

    /// <summary>The manifest as the earlier step found it (from its backup), or null when none is named or that step did not change it.</summary>
    private (byte[] Content, UnixFileMode Mode)? PreviousManifest(StaticPodRestartSettings settings, StepContext context, out string? error)
    {
        error = null;
        if (settings.PreviousManifestStepId.Length == 0)
        {
            return null;
        }

        var stepDir = _backups.StepDir(context.RunId, settings.PreviousManifestStepId);
        if (!Directory.Exists(stepDir))
        {
            error = $"previous_manifest_step_id: step {settings.PreviousManifestStepId} of run {context.RunId} has no backup on this node";
            return null;
        }

        var full = context.Files.CheckWritable(settings.Manifest);
        var entry = _backups.Read(context.RunId, settings.PreviousManifestStepId).FirstOrDefault(e => e.Path == full);
        if (entry is null || !entry.Existed)
        {
            // Not changed (or created) by that step: the manifest found now is the previous one.
            return null;
        }

        return (_backups.ReadContent(context.RunId, settings.PreviousManifestStepId, entry), entry.Mode);
    }
}
