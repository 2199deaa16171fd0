using System.Text;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using StaticPodFlagsSpec = KubeHa.Protos.Agent.V1.StaticPodFlagsAction;

namespace KubeHa.Agent.Drift;

/// <summary>
/// The corrective action of `kubeha drift --fix`: puts back, for each subject, what the
/// recorded desired state says (file content and mode, the hosts block, static pod flags,
/// a sysctl's persisted file). Goes through the file transaction, so CHECK shows the diff,
/// APPLY backs up first and ROLLBACK undoes it.
/// </summary>
internal sealed class RestoreDesiredAction(DesiredStateStore store) : IStepAction
{
    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.RestoreDesired;

    public FileRestoreOptions RestoreOptions(StepSpec spec) => new(DriftItems.Mask, InPlaceWhenBusy: true);

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var subjects = spec.RestoreDesired.Subjects;
        if (subjects.Count == 0)
        {
            return ActionResult.Refused("restore_desired: no subjects given");
        }

        var desired = store.Snapshot();
        var unknown = subjects.Where(s => !desired.Files.Any(f => f.Path == s) && !desired.HostsBlocks.Any(h => h.Path == s) &&
                                          !desired.StaticPodFlags.Any(f => f.ManifestPath == s)).ToList();
        if (unknown.Count > 0)
        {
            return ActionResult.Refused($"restore_desired: no recorded desired state on {context.Node} for {string.Join(", ", unknown)}");
        }

        foreach (var subject in subjects)
        {
            var file = desired.Files.FirstOrDefault(f => f.Path == subject);
            if (file is not null)
            {
                if (file.Sha256.Length == 0)
                {
                    context.Files.Delete(subject, file.Secret);
                }
                else if (store.ReadContent(file.Sha256) is { } content)
                {
                    context.Files.Write(subject, content, (UnixFileMode)file.Mode, file.Secret, DriftItems.Mask);
                }
                else
                {
                    return ActionResult.Failed($"restore_desired: the recorded content of {subject} (sha256 {file.Sha256}) is gone from the agent's state directory");
                }
            }

            foreach (var block in desired.HostsBlocks.Where(h => h.Path == subject))
            {
                var current = context.Files.ReadText(subject) ?? string.Empty;
                var text = Actions.HostsBlock.HostsBlockAction.Render(subject, current, block.Entries, out var error);
                if (text is null)
                {
                    return ActionResult.Failed($"restore_desired: {error}");
                }

                var mode = File.Exists(subject) ? File.GetUnixFileMode(subject) : Common.Files.AtomicFile.DefaultMode;
                context.Files.Write(subject, text, mode, inPlaceWhenBusy: true);
            }

            foreach (var flags in desired.StaticPodFlags.Where(f => f.ManifestPath == subject))
            {
                var bytes = context.Files.Read(subject);
                if (bytes is null)
                {
                    return ActionResult.Failed($"restore_desired: {subject}: static pod manifest does not exist and no content of it was recorded");
                }

                var text = Actions.StaticPodFlags.StaticPodFlagsAction.Edit(FlagsSpec(flags), bytes, new Dictionary<string, string>(StringComparer.Ordinal), out var error);
                if (text is null)
                {
                    return ActionResult.Failed($"restore_desired: {error}");
                }

                if (text != Encoding.UTF8.GetString(bytes))
                {
                    context.Files.Write(subject, text, File.GetUnixFileMode(subject));
                }
            }

            await context.ProgressAsync($"{subject}: restored to the recorded desired state").ConfigureAwait(false);
        }

        return ActionResult.Succeeded();
    }

    public static StaticPodFlagsSpec FlagsSpec(DesiredStaticPodFlags flags)
    {
        var spec = new StaticPodFlagsSpec { ManifestPath = flags.ManifestPath, ContainerName = flags.ContainerName };
        spec.Set.AddRange(flags.Set);
        spec.Remove.AddRange(flags.Removed);
        return spec;
    }
}
