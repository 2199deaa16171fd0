using KubeHa.Agent.Configuration;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;
using KubeadmUploadConfigAction_ = KubeHa.Protos.Agent.V1.KubeadmUploadConfigAction;

namespace KubeHa.Agent.Actions.Kubeadm;

/// <summary>
/// `kubeadm init phase upload-config kubeadm --config FILE`, after saving the ClusterConfiguration
/// uploaded before (`kubeadm config view`) to the step's backup for ROLLBACK.
/// </summary>
internal sealed class KubeadmUploadConfigAction(AgentOptions options, TimeProvider time) : IStepAction
{
    public const string PreviousRecord = "kubeadm-config-before.yaml";

    private readonly KubeadmRunner _kubeadm = new(options, time);

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.KubeadmUploadConfig;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var u = spec.KubeadmUploadConfig;
        if ((u.ConfigPath.Length == 0) == (u.Config.Length == 0))
        {
            return ActionResult.Refused($"kubeadm upload-config on {context.Node}: give exactly one of config_path and config");
        }

        if (u.ConfigPath.Length > 0 && !File.Exists(u.ConfigPath))
        {
            return ActionResult.Refused($"kubeadm upload-config on {context.Node}: config_path {u.ConfigPath} does not exist");
        }

        var kubeconfig = Kubeconfig(u);
        if (!File.Exists(kubeconfig))
        {
            return ActionResult.Refused($"kubeadm upload-config on {context.Node}: kubeconfig {kubeconfig} does not exist");
        }

        if (_kubeadm.Missing(context.Node) is { } missing)
        {
            return ActionResult.Refused("kubeadm upload-config: " + missing);
        }

        var before = await _kubeadm.RunAsync(["config", "view", "--kubeconfig", kubeconfig], cancellationToken, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (before.ExitCode != 0 || !before.Stdout.Contains("kind: ClusterConfiguration", StringComparison.Ordinal))
        {
            return ActionResult.Failed($"kubeadm upload-config on {context.Node}: cannot save the configuration uploaded now (needed for rollback): {KubeadmRunner.Describe("config view", before)}");
        }

        if (context.DryRun)
        {
            context.Effects.Add($"would upload {(u.ConfigPath.Length > 0 ? u.ConfigPath : "the given configuration")} to the kubeadm-config ConfigMap (kubeadm init phase upload-config kubeadm)");
            return ActionResult.Succeeded();
        }

        Directory.CreateDirectory(context.BackupDir);
        AtomicFile.WriteAllText(Path.Combine(context.BackupDir, PreviousRecord), before.Stdout, AtomicFile.PrivateMode);
        var failure = await UploadAsync(u.ConfigPath, u.Config, kubeconfig, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return ActionResult.Failed($"kubeadm upload-config on {context.Node}: {failure}");
        }

        context.Effects.Add("uploaded the kubeadm ClusterConfiguration (kubeadm-config ConfigMap)");
        return ActionResult.Succeeded();
    }

    public async Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var saved = Path.Combine(context.RolledBackStepBackupDir, PreviousRecord);
        if (context.RolledBackStepBackupDir.Length == 0 || !File.Exists(saved))
        {
            await context.ProgressAsync("the step uploaded nothing; nothing to undo").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        if (_kubeadm.Missing(context.Node) is { } missing)
        {
            return ActionResult.Failed("kubeadm upload-config rollback: " + missing);
        }

        var failure = await UploadAsync(saved, string.Empty, Kubeconfig(spec.KubeadmUploadConfig), cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return ActionResult.Failed($"kubeadm upload-config rollback on {context.Node}: {failure}");
        }

        context.Effects.Add("uploaded the kubeadm ClusterConfiguration saved before the step");
        return ActionResult.Succeeded();
    }

    private static string Kubeconfig(KubeadmUploadConfigAction_ u) => u.Kubeconfig.Length == 0 ? "/etc/kubernetes/admin.conf" : u.Kubeconfig;

    private async Task<string?> UploadAsync(string path, string content, string kubeconfig, CancellationToken cancellationToken)
    {
        using var inline = content.Length > 0 ? new PrivateTempFile(options.StateDir, "kubeadm-config.yaml", content) : null;
        var file = inline?.Path ?? path;
        var result = await _kubeadm.RunAsync(["init", "phase", "upload-config", "kubeadm", "--config", file, "--kubeconfig", kubeconfig], cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 ? null : KubeadmRunner.Describe("init phase upload-config kubeadm", result);
    }
}
