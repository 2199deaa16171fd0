using System.Text.RegularExpressions;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Kubeadm;

/// <summary>
/// Join material on a master: a new bootstrap token (`kubeadm token create`), optionally the
/// control-plane certificates uploaded with a new certificate key (`kubeadm init phase
/// upload-certs --upload-certs`, kubeadm generates the key and prints it), and the CA pin
/// computed here. Secrets go to <see cref="StepContext.SecretOutputs"/> only.
/// </summary>
internal sealed partial class KubeadmJoinMaterialAction(AgentOptions options, TimeProvider time) : IStepAction
{
    public const string TokenIdRecord = "token-id";

    private readonly KubeadmRunner _kubeadm = new(options, time);

    [GeneratedRegex(@"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$")]
    private static partial Regex DurationPattern();

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.KubeadmJoinMaterial;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var m = spec.KubeadmJoinMaterial;
        if (_kubeadm.Missing(context.Node) is { } missing)
        {
            return ActionResult.Refused("join material: " + missing);
        }

        var ttl = m.TokenTtl.Length == 0 ? "2h" : m.TokenTtl;
        if (!DurationPattern().IsMatch(ttl))
        {
            return ActionResult.Refused($"join material on {context.Node}: token_ttl must be a duration such as 2h or 30m, got '{ttl}'");
        }

        var kubeconfig = m.Kubeconfig.Length == 0 ? "/etc/kubernetes/admin.conf" : m.Kubeconfig;
        var caCert = m.CaCert.Length == 0 ? "/etc/kubernetes/pki/ca.crt" : m.CaCert;
        foreach (var (file, field) in new[] { (kubeconfig, "kubeconfig"), (caCert, "ca_cert"), (m.ConfigPath, "config_path") })
        {
            if (file.Length > 0 && !File.Exists(file))
            {
                return ActionResult.Refused($"join material on {context.Node}: {field} {file} does not exist");
            }
        }

        context.Outputs["ca_cert_hash"] = CaCertHash.Compute(await File.ReadAllTextAsync(caCert, cancellationToken).ConfigureAwait(false));
        if (context.DryRun)
        {
            context.Effects.Add($"would create a bootstrap token (ttl {ttl})" + (m.UploadCerts ? " and upload the control-plane certificates with a new certificate key" : string.Empty));
            return ActionResult.Succeeded();
        }

        var created = await _kubeadm.RunAsync(["token", "create", "--ttl", ttl, "--description", $"kubeha run {context.RunId} step {context.StepId}", "--kubeconfig", kubeconfig], cancellationToken).ConfigureAwait(false);
        var token = created.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        if (created.ExitCode != 0 || !KubeadmRunner.IsToken(token))
        {
            return ActionResult.Failed($"join material on {context.Node}: {KubeadmRunner.Describe("token create", created, token)}");
        }

        var tokenId = token[..6];
        Directory.CreateDirectory(context.BackupDir);
        AtomicFile.WriteAllText(Path.Combine(context.BackupDir, TokenIdRecord), tokenId + "\n", AtomicFile.PrivateMode);
        context.SecretOutputs["token"] = token;
        context.Outputs["token_id"] = tokenId;
        context.Effects.Add($"created bootstrap token {tokenId} (ttl {ttl})");
        if (!m.UploadCerts)
        {
            return ActionResult.Succeeded();
        }

        await context.ProgressAsync("uploading the control-plane certificates (kubeadm init phase upload-certs)").ConfigureAwait(false);
        List<string> upload = ["init", "phase", "upload-certs", "--upload-certs", "--kubeconfig", kubeconfig];
        if (m.ConfigPath.Length > 0)
        {
            upload.AddRange(["--config", m.ConfigPath]);
        }

        var uploaded = await _kubeadm.RunAsync(upload, cancellationToken).ConfigureAwait(false);
        var key = uploaded.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(KubeadmRunner.IsCertificateKey) ?? string.Empty;
        if (uploaded.ExitCode != 0 || key.Length == 0)
        {
            return ActionResult.Failed($"join material on {context.Node}: {KubeadmRunner.Describe("init phase upload-certs", uploaded, token)}");
        }

        context.SecretOutputs["certificate_key"] = key;
        context.Effects.Add("uploaded the control-plane certificates (kubeadm-certs Secret, expires in 2 h)");
        return ActionResult.Succeeded();
    }

    public async Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var record = Path.Combine(context.RolledBackStepBackupDir, TokenIdRecord);
        if (context.RolledBackStepBackupDir.Length == 0 || !File.Exists(record))
        {
            return ActionResult.Succeeded();
        }

        if (_kubeadm.Missing(context.Node) is { } missing)
        {
            return ActionResult.Failed("join material rollback: " + missing);
        }

        var tokenId = (await File.ReadAllTextAsync(record, cancellationToken).ConfigureAwait(false)).Trim();
        var kubeconfig = spec.KubeadmJoinMaterial.Kubeconfig.Length == 0 ? "/etc/kubernetes/admin.conf" : spec.KubeadmJoinMaterial.Kubeconfig;
        var deleted = await _kubeadm.RunAsync(["token", "delete", tokenId, "--kubeconfig", kubeconfig], cancellationToken).ConfigureAwait(false);
        if (deleted.ExitCode != 0 && !deleted.Message.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            return ActionResult.Failed($"join material rollback on {context.Node}: {KubeadmRunner.Describe("token delete", deleted)}");
        }

        context.Effects.Add($"deleted bootstrap token {tokenId}");
        return ActionResult.Succeeded();
    }
}
