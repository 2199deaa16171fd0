using KubeHa.Agent.Configuration;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Kubeadm;

/// <summary>
/// `kubeadm join --config FILE` with a generated JoinConfiguration (0600, private directory,
/// deleted afterwards); the token and certificate key never reach a command line, a log or a
/// message. Already joined: success, no change. See the proto for rollback.
/// </summary>
internal sealed class KubeadmJoinAction(AgentOptions options, TimeProvider time) : IStepAction
{
    public const string JoinedRecord = "kubeadm-joined";

    private readonly KubeadmRunner _kubeadm = new(options, time);

    /// <summary>For tests: another /etc/kubernetes.</summary>
    internal string KubernetesDir { get; init; } = "/etc/kubernetes";

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.KubeadmJoin;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var j = spec.KubeadmJoin;
        var errors = JoinConfiguration.Validate(j);
        if (errors.Count > 0)
        {
            return ActionResult.Refused($"kubeadm join on {context.Node}: {string.Join("; ", errors)}");
        }

        var joined = Joined(j.ControlPlane);
        if (joined is true)
        {
            await context.ProgressAsync($"{context.Node} is already joined{(j.ControlPlane ? " as a control-plane node" : string.Empty)}; nothing to do").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        if (joined is null)
        {
            return ActionResult.Refused($"kubeadm join on {context.Node}: {KubernetesDir}/kubelet.conf exists but the control-plane manifests do not: the node is joined as a worker; reset it before joining it as a control-plane node");
        }

        if (_kubeadm.Missing(context.Node) is { } missing)
        {
            return ActionResult.Refused("kubeadm join: " + missing);
        }

        if (context.DryRun)
        {
            context.Effects.Add($"would join {context.Node} through {j.ApiServerEndpoint}{(j.ControlPlane ? $" as a control-plane node advertising {j.AdvertiseAddress}" : string.Empty)} (kubeadm join --config, a 0600 JoinConfiguration)");
            return ActionResult.Succeeded();
        }

        var version = await _kubeadm.VersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return ActionResult.Failed($"kubeadm join on {context.Node}: `{_kubeadm.Program} version -o short` did not print a version");
        }

        Directory.CreateDirectory(context.BackupDir);
        AtomicFile.WriteAllText(Path.Combine(context.BackupDir, JoinedRecord), "started\n", AtomicFile.PrivateMode);
        await context.ProgressAsync($"kubeadm join through {j.ApiServerEndpoint}{(j.ControlPlane ? " (control plane)" : string.Empty)}").ConfigureAwait(false);
        using (var config = new PrivateTempFile(options.StateDir, "join.yaml", JoinConfiguration.Render(j, version.Value)))
        {
            var timeout = TimeSpan.FromSeconds(j.TimeoutSeconds == 0 ? 600 : j.TimeoutSeconds);
            List<string> arguments = ["join", "--config", config.Path];
            if (j.IgnorePreflightErrors.Count > 0)
            {
                // On the command line: kubeadm refuses "all" in nodeRegistration.ignorePreflightErrors.
                arguments.Add("--ignore-preflight-errors=" + string.Join(',', j.IgnorePreflightErrors));
            }

            var result = await _kubeadm.RunAsync(arguments, cancellationToken, timeout).ConfigureAwait(false);
            if (result.ExitCode != 0 || result.TimedOut)
            {
                return ActionResult.Failed($"kubeadm join on {context.Node}: {KubeadmRunner.Describe("join", result, j.Token, j.CertificateKey)}");
            }
        }

        context.Effects.Add($"joined {context.Node} to the cluster through {j.ApiServerEndpoint}{(j.ControlPlane ? " as a control-plane node" : string.Empty)}");
        return ActionResult.Succeeded();
    }

    public async Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        if (context.RolledBackStepBackupDir.Length == 0 || !File.Exists(Path.Combine(context.RolledBackStepBackupDir, JoinedRecord)))
        {
            await context.ProgressAsync("the step did not run kubeadm join; nothing to undo").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        if (_kubeadm.Missing(context.Node) is { } missing)
        {
            return ActionResult.Failed("kubeadm join rollback: " + missing);
        }

        var reset = await _kubeadm.RunAsync(["reset", "--force"], cancellationToken).ConfigureAwait(false);
        if (reset.ExitCode != 0)
        {
            return ActionResult.Failed($"kubeadm join rollback on {context.Node}: {KubeadmRunner.Describe("reset --force", reset)}");
        }

        context.Effects.Add($"reset {context.Node} (kubeadm reset --force)");
        return ActionResult.Succeeded();
    }

    /// <returns>true: joined as asked; false: not joined; null: joined as a worker but a control plane was asked.</returns>
    private bool? Joined(bool controlPlane)
    {
        if (!File.Exists(Path.Combine(KubernetesDir, "kubelet.conf")))
        {
            return false;
        }

        return !controlPlane
            || (File.Exists(Path.Combine(KubernetesDir, "manifests", "kube-apiserver.yaml")) && File.Exists(Path.Combine(KubernetesDir, "manifests", "etcd.yaml")))
            ? true
            : null;
    }
}
