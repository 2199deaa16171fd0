using System.Net;
using KubeHa.Agent.Drift;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeHa.Agent.Configuration;

/// <summary>
/// Reads agent.yaml with YamlDotNet's representation model (no reflection, so the agent
/// stays trimmable) and reports every problem at once with file:line:column.
/// </summary>
internal static class AgentConfigLoader
{
    public static AgentOptions Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: cannot read: {e.Message}"]);
        }

        return Parse(text, path);
    }

    public static AgentOptions Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException([$"{path}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConfigException([$"{path}:1:1: expected a mapping at the top level"]);
        }

        var errors = new List<string>();
        string At(YamlNode n) => $"{path}:{n.Start.Line}:{n.Start.Column}";
        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "node_name", "roles", "listen", "health_listen", "tls", "state_dir", "allowed_roots", "max_concurrent_steps",
            "service_manager", "kubeadm_path",
        };
        known.UnionWith(DriftConfig.Keys);
        foreach (var name in root.Children.Keys)
        {
            if (name is YamlScalarNode k && !known.Contains(k.Value ?? string.Empty))
            {
                errors.Add($"{At(name)}: unknown key '{k.Value}'");
            }
        }

        string? Scalar(YamlMappingNode map, string key, bool required)
        {
            if (map.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                if (node is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value))
                {
                    return s.Value;
                }

                errors.Add($"{At(node)}: '{key}' must be a non-empty string");
                return null;
            }

            if (required)
            {
                errors.Add($"{At(map)}: missing '{key}'");
            }

            return null;
        }

        List<string> List(YamlMappingNode map, string key)
        {
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                return [];
            }

            if (node is not YamlSequenceNode seq)
            {
                errors.Add($"{At(node)}: '{key}' must be a list");
                return [];
            }

            var items = new List<string>();
            foreach (var item in seq)
            {
                if (item is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value))
                {
                    items.Add(s.Value);
                }
                else
                {
                    errors.Add($"{At(item)}: '{key}' entries must be non-empty strings");
                }
            }

            return items;
        }

        void CheckEndpoint(string? value, string key)
        {
            if (value is not null && !TryParseEndpoint(value, out _))
            {
                errors.Add($"{path}: '{key}' must be HOST:PORT with an IP address, got '{value}'");
            }
        }

        // Unset: the host name in lower case, as kubeadm names the node by default.
        var nodeName = Scalar(root, "node_name", required: false) ?? DefaultNodeName();
        var listen = Scalar(root, "listen", required: false);
        CheckEndpoint(listen, "listen");
        var health = root.Children.ContainsKey(new YamlScalarNode("health_listen")) ? Scalar(root, "health_listen", required: false) : null;
        CheckEndpoint(health, "health_listen");
        string? ca = null, cert = null, key = null;
        if (root.Children.TryGetValue(new YamlScalarNode("tls"), out var tlsNode) && tlsNode is YamlMappingNode tls)
        {
            ca = Scalar(tls, "ca", required: true);
            cert = Scalar(tls, "cert", required: true);
            key = Scalar(tls, "key", required: true);
        }
        else
        {
            errors.Add($"{At(root)}: missing 'tls' mapping with ca, cert and key (mutual TLS is mandatory)");
        }

        var stateDir = Scalar(root, "state_dir", required: false);
        var roots = List(root, "allowed_roots");
        foreach (var r in roots.Where(r => !Path.IsPathFullyQualified(r)))
        {
            errors.Add($"{path}: allowed_roots entry '{r}' must be an absolute path");
        }

        var maxSteps = 64;
        var maxText = Scalar(root, "max_concurrent_steps", required: false);
        if (maxText is not null && (!int.TryParse(maxText, out maxSteps) || maxSteps < 1 || maxSteps > 4096))
        {
            errors.Add($"{path}: max_concurrent_steps must be an integer from 1 to 4096, got '{maxText}'");
        }

        var serviceManager = Scalar(root, "service_manager", required: false) ?? "systemd";
        if (serviceManager is not ("systemd" or "lab"))
        {
            errors.Add($"{path}: service_manager must be systemd or lab, got '{serviceManager}'");
        }

        var kubeadm = Scalar(root, "kubeadm_path", required: false) ?? "kubeadm";

        var drift = DriftConfig.Parse(key => Scalar(root, key, required: false), path, errors);
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }

        return new AgentOptions
        {
            NodeName = nodeName,
            Roles = List(root, "roles"),
            Listen = listen ?? "0.0.0.0:7443",
            HealthListen = health ?? "127.0.0.1:7444",
            CaFile = ca!,
            CertFile = cert!,
            KeyFile = key!,
            StateDir = stateDir ?? "/var/lib/kubeha",
            AllowedRoots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToList(),
            MaxConcurrentSteps = maxSteps,
            ServiceManager = serviceManager,
            KubeadmPath = kubeadm,
            Drift = drift,
        };
    }

    /// <summary>kubeadm's default node name: the host name, lower case.</summary>
    public static string DefaultNodeName() => Dns.GetHostName().ToLowerInvariant();

    public static bool TryParseEndpoint(string value, out IPEndPoint endpoint) =>
        IPEndPoint.TryParse(value, out endpoint!) && endpoint.Port > 0;
}
