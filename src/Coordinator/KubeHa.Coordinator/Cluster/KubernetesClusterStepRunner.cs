using System.Security.Cryptography.X509Certificates;
using k8s;
using KubeHa.Coordinator.Execution;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Cluster;

/// <summary>
/// Performs the coordinator's cluster steps through the Kubernetes API (see plan.proto,
/// ClusterStep): CHECK (<see cref="CheckAsync"/>, writes nothing), RUN (idempotent; saves the
/// values it replaces under STATE_DIR/runs/RUN/cluster/STEP.json before writing) and
/// ROLLBACK (puts those values back where the cluster still holds what the step wrote).
/// </summary>
public sealed class KubernetesClusterStepRunner : IClusterStepRunner, IClusterStepChecker, IDisposable
{
    private readonly IKubernetes _client;
    private readonly bool _ownsClient;
    private readonly TimeProvider _time;
    private readonly StepBackupStore _store;
    private readonly FieldChangeApplier _applier;
    private readonly ConfigMapEdits _edits;
    private readonly CoreDnsSpreader _spreader;
    private readonly ClusterGates _gates;
    private readonly ApiReadinessProbe _probe;

    /// <param name="clusterCa">The cluster CA the api_ready gate verifies endpoints against.</param>
    /// <param name="clientCertificate">Presented by the api_ready gate when given.</param>
    public KubernetesClusterStepRunner(IKubernetes client, string stateDir, TimeProvider time, X509Certificate2Collection clusterCa, X509Certificate2? clientCertificate = null, bool ownsClient = false)
    {
        _client = client;
        _ownsClient = ownsClient;
        _time = time;
        var objects = new ClusterObjects(client);
        _store = new StepBackupStore(stateDir);
        _applier = new FieldChangeApplier(objects, _store);
        _edits = new ConfigMapEdits(objects, time);
        _spreader = new CoreDnsSpreader(objects, _edits, time);
        _gates = new ClusterGates(objects, _edits, time);
        _probe = new ApiReadinessProbe(clusterCa, clientCertificate, time);
    }

    public IKubernetes Client => _client;

    /// <summary>A runner using the inventory's kubeconfig (its current context).</summary>
    public static KubernetesClusterStepRunner FromKubeconfig(string kubeconfigPath, string stateDir, TimeProvider time)
    {
        var config = ClusterConnection.Load(kubeconfigPath);
        return new KubernetesClusterStepRunner(new Kubernetes(config), stateDir, time, config.SslCaCerts ?? [], ClusterConnection.ClientCertificate(config), ownsClient: true);
    }

    /// <summary>Where RUN saves what step <paramref name="stepId"/> of run <paramref name="runId"/> replaced.</summary>
    public string BackupPath(string runId, string stepId) => _store.PathOf(runId, stepId);

    public async Task<ClusterStepCheck> CheckAsync(PlannedStep planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var step = planned.Cluster;
        try
        {
            var changes = await PlanChangesAsync(step, cancellationToken).ConfigureAwait(false);
            if (changes is null)
            {
                return new ClusterStepCheck(true, false, await DescribeCheckAsync(step, cancellationToken).ConfigureAwait(false), []);
            }

            var reason = changes.Count == 0 ? "already as asked" : $"would change {string.Join(", ", changes.Select(c => $"{c.Object} {c.Field}").Distinct(StringComparer.Ordinal))}";
            return new ClusterStepCheck(true, changes.Count > 0, reason, changes.Select(ChangeDiff.Render).ToList());
        }
        catch (Exception e) when (ClusterFailure.Describe(e, _client) is { } message)
        {
            return new ClusterStepCheck(false, false, $"step {planned.Id}: {message}", []);
        }
    }

    public async Task<ClusterStepResult> RunAsync(string runId, PlannedStep planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var step = planned.Cluster;
        try
        {
            switch (step.ActionCase)
            {
                case ClusterStep.ActionOneofCase.Noop:
                    return new ClusterStepResult(true, false, string.Empty);
                case ClusterStep.ActionOneofCase.NodesReady:
                    await _gates.WaitNodesReadyAsync(step.NodesReady, cancellationToken).ConfigureAwait(false);
                    return new ClusterStepResult(true, false, "nodes Ready");
                case ClusterStep.ActionOneofCase.ApiReady:
                    await _probe.WaitReadyAsync(step.ApiReady.Server, TimeSpan.FromSeconds(step.ApiReady.TimeoutSeconds > 0 ? step.ApiReady.TimeoutSeconds : 60), cancellationToken).ConfigureAwait(false);
                    return new ClusterStepResult(true, false, $"{step.ApiReady.Server}/readyz ok");
                case ClusterStep.ActionOneofCase.EndpointCheck:
                    var mismatches = await _gates.EndpointMismatchesAsync(step.EndpointCheck, cancellationToken).ConfigureAwait(false);
                    return mismatches.Count == 0
                        ? new ClusterStepResult(true, false, "cluster-info, kube-proxy and kubeadm-config point at the endpoint")
                        : new ClusterStepResult(false, false, $"not pointing at the endpoint: {string.Join("; ", mismatches)}");
                case ClusterStep.ActionOneofCase.CorednsSpread when step.CorednsSpread.CheckOnly:
                    var state = await _spreader.ObserveAsync(step.CorednsSpread, cancellationToken).ConfigureAwait(false);
                    return new ClusterStepResult(state.Spread, false, state.Spread ? state.Describe() : $"not spread: {state.Describe()}");
                default:
                    return await RunChangesAsync(runId, planned, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (ClusterFailure.Describe(e, _client) is { } message)
        {
            return new ClusterStepResult(false, false, message);
        }
    }

    public async Task<ClusterStepResult> RollbackAsync(string runId, PlannedStep planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        try
        {
            var backup = _store.Load(runId, planned.Id);
            if (backup is null)
            {
                return new ClusterStepResult(true, false, $"nothing to roll back: step {planned.Id} changed nothing in run {runId}");
            }

            var written = await _applier.RollbackAsync(backup, cancellationToken).ConfigureAwait(false);
            var moved = _store.MarkRolledBack(runId, planned.Id);
            return new ClusterStepResult(true, written.Count > 0,
                written.Count > 0 ? $"restored {string.Join(", ", written)} (saved values: {moved})" : "already as before the step");
        }
        catch (Exception e) when (ClusterFailure.Describe(e, _client) is { } message)
        {
            return new ClusterStepResult(false, false, $"rollback of {planned.Id}: {message}");
        }
    }

    private async Task<ClusterStepResult> RunChangesAsync(string runId, PlannedStep planned, CancellationToken cancellationToken)
    {
        var step = planned.Cluster;
        var backup = _store.Load(runId, planned.Id);
        List<string>? written = null;
        if (backup is not null)
        {
            try
            {
                written = await _applier.ForwardAsync(backup, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterConflictException) when (!backup.AnyApplied)
            {
                // An earlier attempt saved its plan but wrote nothing; the cluster moved on since: plan afresh.
                _store.Discard(runId, planned.Id);
            }
        }

        if (written is null)
        {
            var changes = await PlanChangesAsync(step, cancellationToken).ConfigureAwait(false) ?? [];
            if (changes.Count > 0)
            {
                backup = new StepBackup(runId, planned.Id, step.ActionCase.ToString(), _time.GetUtcNow(), changes);
                _store.Save(backup);
                written = await _applier.ForwardAsync(backup, cancellationToken).ConfigureAwait(false);
            }
        }

        written ??= [];
        var reason = written.Count > 0 ? $"changed {string.Join(", ", written)}" : "already as asked";
        if (step.ActionCase == ClusterStep.ActionOneofCase.CorednsSpread && step.CorednsSpread.WaitSeconds > 0)
        {
            var state = await _spreader.WaitAsync(step.CorednsSpread, TimeSpan.FromSeconds(step.CorednsSpread.WaitSeconds), cancellationToken).ConfigureAwait(false);
            if (!state.Spread)
            {
                return new ClusterStepResult(false, written.Count > 0, $"{reason}; not spread after {step.CorednsSpread.WaitSeconds} s: {state.Describe()}");
            }

            reason += $"; {state.Describe()}";
        }

        return new ClusterStepResult(true, written.Count > 0, reason);
    }

    /// <summary>The values a changing step would replace (empty: nothing to do); null for the read-only steps.</summary>
    private async Task<List<FieldChange>?> PlanChangesAsync(ClusterStep step, CancellationToken cancellationToken)
    {
        switch (step.ActionCase)
        {
            case ClusterStep.ActionOneofCase.KubeadmConfig:
                return await _edits.KubeadmConfigAsync(step.KubeadmConfig, cancellationToken).ConfigureAwait(false);
            case ClusterStep.ActionOneofCase.ClusterInfo:
                return await _edits.KubeconfigServerAsync("kube-public", "cluster-info", "kubeconfig", step.ClusterInfo.Server, cancellationToken).ConfigureAwait(false);
            case ClusterStep.ActionOneofCase.KubeProxy:
                var changes = await _edits.KubeconfigServerAsync(ConfigMapEdits.KubeSystem, "kube-proxy", "kubeconfig.conf", step.KubeProxy.Server, cancellationToken).ConfigureAwait(false);
                if (changes.Count > 0 && step.KubeProxy.RestartDaemonset)
                {
                    changes.Add(await _edits.RestartAsync(FieldChange.DaemonSet, ConfigMapEdits.KubeSystem, "kube-proxy", cancellationToken).ConfigureAwait(false));
                }

                return changes;
            case ClusterStep.ActionOneofCase.CorednsSpread when !step.CorednsSpread.CheckOnly:
                return await _spreader.PlanAsync(step.CorednsSpread, cancellationToken).ConfigureAwait(false);
            case ClusterStep.ActionOneofCase.None:
                throw new ClusterStepException("cluster step has no action");
            default:
                return null;
        }
    }

    private Task<string> DescribeCheckAsync(ClusterStep step, CancellationToken cancellationToken) =>
        ClusterCheckDescriptions.DescribeAsync(step, _gates, _spreader, cancellationToken);

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }
}
