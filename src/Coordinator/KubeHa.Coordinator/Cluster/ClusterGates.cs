using System.Globalization;
using k8s;
using KubeHa.Common.Yaml;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Cluster;

/// <summary>The read-only cluster steps: nodes Ready and the endpoint post-check.</summary>
internal sealed class ClusterGates(ClusterObjects objects, ConfigMapEdits edits, TimeProvider time)
{
    /// <summary>Empty when every asked node is Ready; otherwise what is not, per node.</summary>
    public async Task<List<string>> NotReadyNodesAsync(NodesReadyGate spec, CancellationToken cancellationToken)
    {
        var nodes = await objects.Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var byName = nodes.Items.ToDictionary(n => n.Metadata.Name, StringComparer.Ordinal);
        var names = spec.Nodes.Count > 0 ? spec.Nodes.ToList() : byName.Keys.Order(StringComparer.Ordinal).ToList();
        var problems = new List<string>();
        if (names.Count == 0)
        {
            problems.Add("the cluster has no nodes");
        }

        foreach (var name in names)
        {
            if (!byName.TryGetValue(name, out var node))
            {
                problems.Add($"{name} (not registered)");
                continue;
            }

            var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
            if (ready?.Status != "True")
            {
                problems.Add(ready is null ? $"{name} (no Ready condition)" : $"{name} (Ready={ready.Status}{(string.IsNullOrEmpty(ready.Reason) ? string.Empty : ", " + ready.Reason)})");
            }
        }

        return problems;
    }

    /// <summary>Polls until the nodes are Ready; throws with what is not after the timeout.</summary>
    public async Task WaitNodesReadyAsync(NodesReadyGate spec, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(spec.TimeoutSeconds > 0 ? spec.TimeoutSeconds : 120);
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var problems = await NotReadyNodesAsync(spec, cancellationToken).ConfigureAwait(false);
            if (problems.Count == 0)
            {
                return;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new ClusterStepException(string.Create(CultureInfo.InvariantCulture, $"nodes not Ready after {timeout.TotalSeconds:0} s: {string.Join(", ", problems)}"));
            }

            await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every place still not pointing at the endpoint (empty when all do).</summary>
    public async Task<List<string>> EndpointMismatchesAsync(EndpointCheck spec, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (spec.Server.Length > 0)
        {
            foreach (var (ns, name, key) in new[] { ("kube-public", "cluster-info", "kubeconfig"), (ConfigMapEdits.KubeSystem, "kube-proxy", "kubeconfig.conf") })
            {
                var (_, text) = await edits.ReadKeyAsync(ns, name, key, cancellationToken).ConfigureAwait(false);
                var doc = YamlSourceText.TryParse($"{ns}/{name}#{key}", text, out var error);
                var servers = doc is null ? null : KubeconfigServer.Read(doc, out error);
                if (servers is null)
                {
                    problems.Add(error);
                    continue;
                }

                problems.AddRange(servers.Where(s => s.Value != spec.Server).Select(s => $"ConfigMap {ns}/{name} {key}: cluster '{s.Key}' server is {s.Value}, not {spec.Server}"));
            }
        }

        if (spec.ControlPlaneEndpoint.Length > 0 || spec.CertSans.Count > 0)
        {
            var (_, text) = await edits.ReadKeyAsync(ConfigMapEdits.KubeSystem, "kubeadm-config", "ClusterConfiguration", cancellationToken).ConfigureAwait(false);
            var values = ClusterConfigurationYaml.Read(text, out var error);
            if (values is null)
            {
                problems.Add(error);
                return problems;
            }

            if (spec.ControlPlaneEndpoint.Length > 0 && values.ControlPlaneEndpoint != spec.ControlPlaneEndpoint)
            {
                problems.Add($"{ClusterConfigurationYaml.Source}: controlPlaneEndpoint is {values.ControlPlaneEndpoint ?? "(not set)"}, not {spec.ControlPlaneEndpoint}");
            }

            var have = values.CertSans.Select(ClusterConfigurationYaml.SanKey).ToHashSet(StringComparer.Ordinal);
            var missing = spec.CertSans.Where(s => !have.Contains(ClusterConfigurationYaml.SanKey(s))).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"{ClusterConfigurationYaml.Source}: apiServer.certSANs lacks {string.Join(", ", missing)}");
            }
        }

        return problems;
    }
}
