using KubeHa.Agent.Configuration;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>One full drift check: the recorded desired state, then the built-in rules.</summary>
internal sealed class DriftChecker
{
    private static readonly string[] StaticPods = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"];
    private readonly AgentOptions _options;
    private readonly DesiredStateRules _desiredRules;
    private readonly BuiltInRules _builtIn;

    public DriftChecker(AgentOptions options, DesiredStateStore desired, IServiceProbe services, TimeProvider time)
        : this(options, desired, services, DriftPaths.From(options), time)
    {
    }

    internal DriftChecker(AgentOptions options, DesiredStateStore desired, IServiceProbe services, DriftPaths paths, TimeProvider time)
    {
        _options = options;
        Desired = desired;
        Paths = paths;
        _desiredRules = new DesiredStateRules(desired, services, paths);
        _builtIn = new BuiltInRules(services, paths, options.Drift.CertExpiryWarning, time);
    }

    public DesiredStateStore Desired { get; }

    public DriftPaths Paths { get; }

    /// <summary>The endpoint kubeconfigs must use: agent.yaml's, else the one the last kubeconfig step set.</summary>
    public string Endpoint(DesiredState desired) =>
        _options.Drift.Endpoint.Length > 0 ? _options.Drift.Endpoint : DriftConfig.NormalizeServer(desired.Endpoint) ?? string.Empty;

    /// <returns>Every open item, one per id (a recorded expectation wins over a built-in rule), ordered by id.</returns>
    public async Task<List<DriftItem>> CheckAsync(CancellationToken cancellationToken)
    {
        var desired = Desired.Snapshot();
        var reads = new DriftReads();
        var items = await _desiredRules.CheckAsync(_options.NodeName, desired, reads, cancellationToken).ConfigureAwait(false);
        items.AddRange(await _builtIn.CheckAsync(_options.NodeName, _options.Roles, Endpoint(desired), desired, reads, cancellationToken).ConfigureAwait(false));
        return items.GroupBy(i => i.Id, StringComparer.Ordinal).Select(g => g.First()).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every file a check reads; the monitor watches their directories.</summary>
    public IReadOnlySet<string> WatchedPaths()
    {
        var desired = Desired.Snapshot();
        var paths = new HashSet<string>(StringComparer.Ordinal);
        paths.UnionWith(desired.Files.Select(f => f.Path));
        paths.UnionWith(desired.Kubeconfigs.Select(k => k.Path));
        paths.UnionWith(desired.Certificates.Select(c => c.Path));
        paths.UnionWith(desired.HostsBlocks.Select(h => h.Path));
        paths.UnionWith(desired.StaticPodFlags.Select(f => f.ManifestPath));
        paths.UnionWith(Paths.Kubeconfigs);
        paths.Add(Path.Combine(Paths.PkiDir, "apiserver.crt"));
        paths.UnionWith(StaticPods.Select(n => Path.Combine(Paths.ManifestsDir, n + ".yaml")));
        paths.UnionWith(Paths.LoadBalancers.Select(l => l.Config));
        return paths;
    }
}
