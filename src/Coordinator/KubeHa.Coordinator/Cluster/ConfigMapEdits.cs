using System.Globalization;
using KubeHa.Common.Yaml;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Cluster;

/// <summary>The changes that point the cluster's ConfigMaps at the endpoint (none when they already do).</summary>
internal sealed class ConfigMapEdits(ClusterObjects objects, TimeProvider time)
{
    public const string KubeSystem = "kube-system";
    public const string RestartedAt = "kubectl.kubernetes.io/restartedAt";

    public async Task<List<FieldChange>> KubeadmConfigAsync(KubeadmConfigUpdate spec, CancellationToken cancellationToken)
    {
        if (spec.ControlPlaneEndpoint.Length > 0 && !IsHostPort(spec.ControlPlaneEndpoint))
        {
            throw new ClusterStepException($"kubeadm_config: control_plane_endpoint '{spec.ControlPlaneEndpoint}' is not host:port");
        }

        var bad = spec.CertSans.Where(s => s.Length == 0 || s.Any(c => char.IsWhiteSpace(c) || c is '/' or ',' or '"')).ToList();
        if (bad.Count > 0)
        {
            throw new ClusterStepException($"kubeadm_config: invalid cert_sans {string.Join(", ", bad.Select(b => $"'{b}'"))}");
        }

        var (field, text) = await ReadKeyAsync(KubeSystem, "kubeadm-config", "ClusterConfiguration", cancellationToken).ConfigureAwait(false);
        var edited = ClusterConfigurationYaml.Edit(text, spec.ControlPlaneEndpoint, spec.CertSans, out var error)
                     ?? throw new ClusterStepException(error);
        return edited == text ? [] : [field with { After = edited }];
    }

    /// <summary>Sets clusters[*].cluster.server of the kubeconfig in ConfigMap ns/name key.</summary>
    public async Task<List<FieldChange>> KubeconfigServerAsync(string ns, string name, string key, string server, CancellationToken cancellationToken)
    {
        if (!KubeconfigServer.IsServerUrl(server))
        {
            throw new ClusterStepException($"{ns}/{name}: server '{server}' is not an https://host:port URL");
        }

        var (field, text) = await ReadKeyAsync(ns, name, key, cancellationToken).ConfigureAwait(false);
        var doc = YamlSourceText.TryParse($"{ns}/{name}#{key}", text, out var error) ?? throw new ClusterStepException(error);
        var edited = KubeconfigServer.Edit(doc, server, new HashSet<string>(), new Dictionary<string, string>(), out error)
                     ?? throw new ClusterStepException(error);
        return edited == text ? [] : [field with { After = edited }];
    }

    /// <summary>A rollout restart, as `kubectl rollout restart`: the pod template's restartedAt annotation set to now.</summary>
    public async Task<FieldChange> RestartAsync(string kind, string ns, string name, CancellationToken cancellationToken)
    {
        var obj = await objects.ReadAsync(kind, ns, name, cancellationToken).ConfigureAwait(false);
        var field = FieldChange.AnnotationPrefix + RestartedAt;
        var now = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var before = obj.Get(field);
        if (before == now)
        {
            now = time.GetUtcNow().AddSeconds(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        return new FieldChange(kind, ns, name, field, before, now);
    }

    /// <summary>The value of one ConfigMap key (an error when the ConfigMap or key is missing) as a change from it to itself.</summary>
    public async Task<(FieldChange Field, string Text)> ReadKeyAsync(string ns, string name, string key, CancellationToken cancellationToken)
    {
        KubeObject obj;
        try
        {
            obj = await objects.ReadAsync(FieldChange.ConfigMap, ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyNotFoundException e)
        {
            throw new ClusterStepException(e.Message, e);
        }

        var field = FieldChange.DataPrefix + key;
        var text = obj.Get(field) ?? throw new ClusterStepException($"ConfigMap {ns}/{name} has no key {key}");
        return (new FieldChange(FieldChange.ConfigMap, ns, name, field, text, text), text);
    }

    /// <summary>host:port with a port 1-65535; IPv6 in brackets.</summary>
    public static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var host = value[..colon];
        return host.StartsWith('[') && host.EndsWith(']')
            ? Uri.CheckHostName(host[1..^1]) == UriHostNameType.IPv6
            : Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4;
    }
}
