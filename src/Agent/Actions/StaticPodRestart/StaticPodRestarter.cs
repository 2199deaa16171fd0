using System.Globalization;
using KubeHa.Agent.Actions.Probe;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;

namespace KubeHa.Agent.Actions.StaticPodRestart;

/// <summary>
/// One restart as kubeadm does it: the manifest moves to DIR/static-pod/NAME.yaml (written and
/// fsynced there before it is removed, so a crash in between leaves it recoverable), the
/// kubelet stops the pod, the manifest moves back with the same bytes and mode, the pod comes
/// up. The manifest is not a changed file of the step: it ends as it began.
/// </summary>
internal sealed class StaticPodRestarter(StaticPodRestartSettings settings, ProbeSettings probe, StepContext context)
{
    public const string MovedOutDir = "static-pod";

    private readonly HealthGate _gate = new(probe, settings.PollInterval, context);

    /// <summary>Where a manifest moved out of a step's backup directory waits.</summary>
    public static string MovedOutPath(string backupDir, string component) => Path.Combine(backupDir, MovedOutDir, component + ".yaml");

    /// <returns>null when the pod answered its health endpoint again in time, else the reason.</returns>
    public async Task<string?> RestartAsync(byte[] manifest, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var live = context.Files.CheckWritable(settings.Manifest);
        var parked = MovedOutPath(context.BackupDir, settings.Component);
        AtomicFile.WriteAllBytes(parked, manifest, mode);
        AtomicFile.Delete(live);
        await context.ProgressAsync($"{settings.Component}: manifest moved out to {parked}; waiting for the pod to stop").ConfigureAwait(false);
        try
        {
            var (stopped, after, _) = await _gate.WaitAsync(up: false, settings.StopTimeout, cancellationToken).ConfigureAwait(false);
            context.Outputs["stop_observed"] = stopped ? "true" : "false";
            context.Outputs["stopped_after_ms"] = Ms(after);
            await context.ProgressAsync(stopped
                ? $"{settings.Component}: stopped after {after.TotalSeconds:0.0} s ({settings.HealthTarget} no longer answers)"
                : $"{settings.Component}: {settings.HealthTarget} still answers after {after.TotalSeconds:0.0} s; putting the manifest back anyway").ConfigureAwait(false);
        }
        finally
        {
            // Back with the same bytes and mode whatever happened while waiting (cancellation included).
            AtomicFile.WriteAllBytes(live, manifest, mode);
        }

        AtomicFile.Delete(parked);
        return await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <returns>null when the health endpoint answers within the ready timeout, else the reason.</returns>
    public async Task<string?> WaitReadyAsync(CancellationToken cancellationToken)
    {
        await context.ProgressAsync($"{settings.Component}: manifest in place; waiting up to {settings.ReadyTimeout.TotalSeconds:0} s for {settings.HealthTarget}").ConfigureAwait(false);
        var (ready, after, last) = await _gate.WaitAsync(up: true, settings.ReadyTimeout, cancellationToken).ConfigureAwait(false);
        context.Outputs["ready_after_ms"] = Ms(after);
        if (!ready)
        {
            return $"{settings.Component} on {context.Node} did not answer {settings.HealthTarget} within {settings.ReadyTimeout.TotalSeconds:0} s (last: {last})";
        }

        await context.ProgressAsync($"{settings.Component}: healthy after {after.TotalSeconds:0.0} s").ConfigureAwait(false);
        return null;
    }

    private static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
