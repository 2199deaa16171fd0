using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeHa.Coordinator.Inventory;

/// <summary>
/// Reads cluster.yaml and validates it offline, collecting every problem with
/// file:line:column before failing.
/// </summary>
public static partial class InventoryLoader
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NodeNamePattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex DnsNamePattern();

    public static bool IsDnsName(string value) => DnsNamePattern().IsMatch(value);

    public static ClusterInventory Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InventoryException([$"{path}: cannot read: {e.Message}"]);
        }

        return Parse(text, path);
    }

    public static ClusterInventory Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InventoryException([$"{path}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {Inner(e)}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InventoryException([$"{path}:1:1: expected a mapping at the top level"]);
        }

        var r = new Reader(path);
        var inventory = r.ReadInventory(root);
        if (inventory is null)
        {
            throw new InventoryException(r.Errors);
        }

        // Cross-checks run on every entry that parsed, so one run lists every problem.
        Validate(inventory, r);
        if (r.Errors.Count > 0)
        {
            throw new InventoryException(r.SortedErrors());
        }

        return inventory;
    }

    private static string Inner(YamlException e) => e.InnerException is YamlException inner ? inner.Message : e.Message;

    private static void Validate(ClusterInventory inv, Reader r)
    {
        var all = inv.AllNodes.ToList();
        foreach (var group in all.GroupBy(n => n.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var dup in group.Skip(1))
            {
                r.Error(dup.Position, $"duplicate node name '{dup.Name}'");
            }
        }

        foreach (var group in all.GroupBy(n => n.Address).Where(g => g.Count() > 1))
        {
            foreach (var dup in group.Skip(1))
            {
                r.Error(dup.Position, $"duplicate node address {dup.Address} (also used by '{group.First().Name}')");
            }
        }

        var masters = inv.Masters.ToList();
        if (masters.Count == 0)
        {
            r.Error(r.NodesPosition, "no node has role 'master': the current control-plane node must be listed");
        }

        if (!masters.Any(m => inv.CurrentApiServer.StartsWith(m.Address.ToString() + ":", StringComparison.Ordinal) ||
                             inv.CurrentApiServer.StartsWith(m.Name + ":", StringComparison.Ordinal)))
        {
            r.Error(r.Position("current_api_server"), $"current_api_server '{inv.CurrentApiServer}' is not the address of any master node");
        }

        var etcdMembers = masters.Count + inv.AddMasters.Count;
        if (!inv.AllowUnsafeEtcdCount && (etcdMembers < 3 || etcdMembers % 2 == 0))
        {
            r.Error(r.Position("add_masters"),
                $"the resulting etcd member count would be {etcdMembers}: it must be odd and at least 3 " +
                "(losing one of 2 members loses quorum); set allow_unsafe_etcd_count: true to override");
        }

        var lb = inv.LoadBalancer;
        var lbPos = r.Position("load_balancer");
        var colocated = lb.Mode is LoadBalancerMode.LocalNginx or LoadBalancerMode.LocalHaproxy or LoadBalancerMode.VipHaproxyKeepalived;
        if (colocated && lb.ListenPort == 6443)
        {
            r.Error(lbPos, $"load_balancer.listen_port 6443 collides with the API server on the same host in mode {LoadBalancerSettings.ModeName(lb.Mode)}; use another port such as 8443 or 16443");
        }

        switch (lb.Mode)
        {
            case LoadBalancerMode.VipHaproxyKeepalived:
                if (lb.Vip is null)
                {
                    r.Error(lbPos, "mode vip-haproxy-keepalived needs load_balancer.vip (CIDR, e.g. 10.0.0.100/24)");
                }
                else
                {
                    foreach (var m in masters.Concat(inv.AddMasters).Where(m => !InSubnet(m.Address, lb.Vip, r.VipPrefix)))
                    {
                        r.Error(r.Position("load_balancer.vip"), $"VIP {lb.Vip}/{r.VipPrefix} is outside the subnet of master '{m.Name}' ({m.Address})");
                    }

                    if (all.Any(n => n.Address.Equals(lb.Vip)))
                    {
                        r.Error(r.Position("load_balancer.vip"), $"VIP {lb.Vip} is already a node's address");
                    }

                    if (inv.Endpoint.IsIp && !IPAddress.Parse(inv.Endpoint.Host).Equals(lb.Vip))
                    {
                        r.Error(r.Position("endpoint"), $"endpoint {inv.Endpoint.Host} is an IP but not the VIP {lb.Vip}");
                    }
                }

                if (lb.VirtualRouterId is < 1 or > 255)
                {
                    r.Error(lbPos, $"load_balancer.virtual_router_id must be 1..255, got {lb.VirtualRouterId}");
                }

                break;
            case LoadBalancerMode.DedicatedNginx:
                if (!inv.LbHosts.Any())
                {
                    r.Error(lbPos, "mode dedicated-nginx needs a node with role 'lb'");
                }

                break;
            case LoadBalancerMode.LocalNginx or LoadBalancerMode.LocalHaproxy:
                if (inv.Endpoint.IsIp && inv.Endpoint.Host != "127.0.0.1")
                {
                    r.Error(r.Position("endpoint"), $"local modes reach the API through 127.0.0.1 on every node; the endpoint must be a name mapped to 127.0.0.1 or 127.0.0.1 itself, not {inv.Endpoint.Host}");
                }

                if (inv.Endpoint.Port != lb.ListenPort)
                {
                    r.Error(r.Position("endpoint"), $"endpoint port {inv.Endpoint.Port} differs from load_balancer.listen_port {lb.ListenPort}");
                }

                break;
        }

        foreach (var san in inv.ExtraSans.Where(s => !IPAddress.TryParse(s, out _) && !IsDnsName(s)))
        {
            r.Error(r.Position("extra_sans"), $"extra SAN '{san}' is neither an IP address nor a DNS name");
        }
    }

    private static bool InSubnet(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = (byte)(0x80 >> (bit % 8));
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads typed values, recording positions and every error.</summary>
    private sealed class Reader(string path)
    {
        private readonly Dictionary<string, SourcePosition> _positions = new(StringComparer.Ordinal);

        private readonly List<(SourcePosition At, string Text)> _errors = [];

        public List<string> Errors => _errors.Select(e => e.Text).ToList();

        /// <summary>Errors in file order (stable for messages at the same position).</summary>
        public List<string> SortedErrors() =>
            _errors.OrderBy(e => e.At.Line).ThenBy(e => e.At.Column).Select(e => e.Text).ToList();
        public int VipPrefix { get; private set; } = 24;
        public SourcePosition NodesPosition => Position("nodes");

        public SourcePosition Position(string key) => _positions.TryGetValue(key, out var p) ? p : new SourcePosition(1, 1);

        public void Error(SourcePosition at, string message) =>
            _errors.Add((at, string.Create(CultureInfo.InvariantCulture, $"{path}:{at.Line}:{at.Column}: {message}")));

        private void Error(YamlNode at, string message) => Error(Pos(at), message);

        private static SourcePosition Pos(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

        private void CheckKeys(YamlMappingNode map, string where, params string[] known)
        {
            foreach (var key in map.Children.Keys)
            {
                if (key is YamlScalarNode k && !known.Contains(k.Value, StringComparer.Ordinal))
                {
                    Error(key, $"unknown key '{k.Value}' in {where} (known: {string.Join(", ", known)})");
                }
            }
        }

        private YamlNode? Get(YamlMappingNode map, string key, string? track = null)
        {
            if (map.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                if (track is not null)
                {
                    _positions[track] = Pos(node);
                }

                return node;
            }

            return null;
        }

        private string? String(YamlMappingNode map, string key, bool required, string where, string? track = null)
        {
            var node = Get(map, key, track);
            if (node is null)
            {
                if (required)
                {
                    Error(map, $"{where}: missing '{key}'");
                }

                return null;
            }

            if (node is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value))
            {
                return s.Value.Trim();
            }

            Error(node, $"{where}: '{key}' must be a non-empty string");
            return null;
        }

        private int? Int(YamlMappingNode map, string key, int min, int max, string where, string? track = null)
        {
            var text = String(map, key, required: false, where, track);
            if (text is null)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
            {
                return v;
            }

            Error(Get(map, key)!, $"{where}: '{key}' must be an integer from {min} to {max}, got '{text}'");
            return null;
        }

        private bool Bool(YamlMappingNode map, string key, string where)
        {
            var text = String(map, key, required: false, where);
            if (text is null)
            {
                return false;
            }

            if (bool.TryParse(text, out var v))
            {
                return v;
            }

            Error(Get(map, key)!, $"{where}: '{key}' must be true or false, got '{text}'");
            return false;
        }

        public ClusterInventory? ReadInventory(YamlMappingNode root)
        {
            CheckKeys(root, "the inventory", "cluster", "kubeconfig", "current_api_server", "endpoint", "load_balancer",
                "extra_sans", "nodes", "add_masters", "allow_unsafe_etcd_count", "max_unavailable_workers", "join_ignore_preflight_errors");
            var cluster = String(root, "cluster", true, "inventory");
            var kubeconfig = String(root, "kubeconfig", false, "inventory");
            var current = String(root, "current_api_server", true, "inventory", "current_api_server");
            if (current is not null && !HostPort(current, out _, out _))
            {
                Error(Get(root, "current_api_server")!, $"current_api_server must be HOST:PORT, got '{current}'");
            }

            var endpoint = ReadEndpoint(root);
            var lb = ReadLoadBalancer(root);
            var ignorePreflight = new List<string>();
            if (Get(root, "join_ignore_preflight_errors", "join_ignore_preflight_errors") is { } ignoreNode)
            {
                if (ignoreNode is YamlSequenceNode ignoreSeq)
                {
                    ignorePreflight.AddRange(ignoreSeq.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty));
                }
                else
                {
                    Error(ignoreNode, "join_ignore_preflight_errors must be a list of kubeadm preflight check names");
                }
            }

            var sans = new List<string>();
            if (Get(root, "extra_sans", "extra_sans") is { } sansNode)
            {
                if (sansNode is YamlSequenceNode seq)
                {
                    sans.AddRange(seq.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty));
                }
                else
                {
                    Error(sansNode, "extra_sans must be a list");
                }
            }

            var nodes = ReadNodes(root, "nodes", required: true, impliedRole: null);
            var add = ReadNodes(root, "add_masters", required: false, impliedRole: NodeRole.Master);
            var maxUnavailable = Int(root, "max_unavailable_workers", 1, 1000, "inventory") ?? 1;
            if (cluster is null || current is null || endpoint is null || lb is null)
            {
                return null;
            }

            return new ClusterInventory
            {
                Path = path,
                Cluster = cluster,
                Kubeconfig = kubeconfig,
                CurrentApiServer = current,
                Endpoint = endpoint,
                LoadBalancer = lb,
                ExtraSans = sans,
                JoinIgnorePreflightErrors = ignorePreflight,
                Nodes = nodes,
                AddMasters = add,
                AllowUnsafeEtcdCount = Bool(root, "allow_unsafe_etcd_count", "inventory"),
                MaxUnavailableWorkers = maxUnavailable,
            };
        }

        private ApiEndpoint? ReadEndpoint(YamlMappingNode root)
        {
            var node = Get(root, "endpoint", "endpoint");
            if (node is not YamlMappingNode map)
            {
                Error(node ?? root, node is null ? "missing 'endpoint' (host and port every client will use)" : "'endpoint' must be a mapping with host and port");
                return null;
            }

            CheckKeys(map, "endpoint", "host", "port");
            var host = String(map, "host", true, "endpoint");
            var port = Int(map, "port", 1, 65535, "endpoint");
            if (map.Children.ContainsKey(new YamlScalarNode("port")) is false)
            {
                Error(map, "endpoint: missing 'port'");
            }

            if (host is not null && !IPAddress.TryParse(host, out _) && !IsDnsName(host))
            {
                Error(Get(map, "host")!, $"endpoint: host '{host}' is neither an IP address nor a DNS name");
                return null;
            }

            return host is null || port is null ? null : new ApiEndpoint(host, port.Value);
        }

        private LoadBalancerSettings? ReadLoadBalancer(YamlMappingNode root)
        {
            var node = Get(root, "load_balancer", "load_balancer");
            if (node is not YamlMappingNode map)
            {
                Error(node ?? root, node is null ? "missing 'load_balancer' (mode and its settings)" : "'load_balancer' must be a mapping");
                return null;
            }

            CheckKeys(map, "load_balancer", "mode", "listen_port", "vip", "interface", "virtual_router_id", "balance", "manage_hosts");
            var modeText = String(map, "mode", true, "load_balancer");
            LoadBalancerMode? mode = null;
            if (modeText is not null)
            {
                if (LoadBalancerSettings.Modes.TryGetValue(modeText, out var m))
                {
                    mode = m;
                }
                else
                {
                    Error(Get(map, "mode")!, $"unknown load_balancer.mode '{modeText}' (one of: {string.Join(", ", LoadBalancerSettings.Modes.Keys)})");
                }
            }

            IPAddress? vip = null;
            var vipText = String(map, "vip", false, "load_balancer", "load_balancer.vip");
            if (vipText is not null)
            {
                var parts = vipText.Split('/');
                if (!IPAddress.TryParse(parts[0], out vip) || parts.Length > 2 ||
                    (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix is < 8 or > 32)))
                {
                    Error(Get(map, "vip")!, $"load_balancer.vip must be an IPv4 address with an optional /prefix, got '{vipText}'");
                    vip = null;
                }
                else if (parts.Length == 2)
                {
                    VipPrefix = int.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }

            var balance = String(map, "balance", false, "load_balancer") ?? "leastconn";
            if (balance is not ("leastconn" or "roundrobin" or "source"))
            {
                Error(Get(map, "balance")!, $"load_balancer.balance must be leastconn, roundrobin or source, got '{balance}'");
            }

            var settings = mode is null ? null : new LoadBalancerSettings
            {
                Mode = mode.Value,
                ListenPort = Int(map, "listen_port", 1, 65535, "load_balancer") ?? (mode == LoadBalancerMode.DedicatedNginx ? 16443 : 8443),
                Vip = vip,
                VipPrefixLength = VipPrefix,
                Interface = String(map, "interface", false, "load_balancer") ?? "eth0",
                VirtualRouterId = Int(map, "virtual_router_id", 0, 10000, "load_balancer") ?? 51,
                Balance = balance,
                ManageHosts = !map.Children.ContainsKey(new YamlScalarNode("manage_hosts")) || Bool(map, "manage_hosts", "load_balancer"),
            };
            return settings;
        }

        private List<InventoryNode> ReadNodes(YamlMappingNode root, string key, bool required, NodeRole? impliedRole)
        {
            var result = new List<InventoryNode>();
            var node = Get(root, key, key);
            if (node is null)
            {
                if (required)
                {
                    Error(root, $"missing '{key}' (the cluster's nodes)");
                }

                return result;
            }

            if (node is not YamlSequenceNode seq)
            {
                Error(node, $"'{key}' must be a list of nodes");
                return result;
            }

            foreach (var item in seq)
            {
                if (item is not YamlMappingNode map)
                {
                    Error(item, $"{key}: each entry must be a mapping with name, address, role and agent");
                    continue;
                }

                CheckKeys(map, key, impliedRole is null ? ["name", "address", "role", "agent"] : ["name", "address", "agent"]);
                var name = String(map, "name", true, key);
                var where = name is null ? key : $"node '{name}'";
                if (name is not null && !NodeNamePattern().IsMatch(name))
                {
                    Error(Get(map, "name")!, $"{where}: name must be a DNS label (lower-case letters, digits, '-')");
                }

                var addressText = String(map, "address", true, where);
                IPAddress? address = null;
                if (addressText is not null && !IPAddress.TryParse(addressText, out address))
                {
                    Error(Get(map, "address")!, $"{where}: address '{addressText}' is not an IP address");
                }

                NodeRole? role = impliedRole;
                if (impliedRole is null)
                {
                    var roleText = String(map, "role", true, where);
                    role = roleText switch
                    {
                        null => null,
                        "master" => NodeRole.Master,
                        "worker" => NodeRole.Worker,
                        "lb" => NodeRole.Lb,
                        _ => null,
                    };
                    if (roleText is not null && role is null)
                    {
                        Error(Get(map, "role")!, $"{where}: role must be master, worker or lb, got '{roleText}'");
                    }
                }

                var agent = String(map, "agent", false, where);
                if (agent is null && Get(map, "agent") is null)
                {
                    Error(map, $"{where}: missing 'agent' (HOST:PORT of its kubeha-agent)");
                }
                else if (agent is not null && !HostPort(agent, out _, out _))
                {
                    Error(Get(map, "agent")!, $"{where}: agent must be HOST:PORT with a port from 1 to 65535, got '{agent}'");
                }

                if (name is not null && address is not null && role is not null && agent is not null)
                {
                    result.Add(new InventoryNode(name, address, role.Value, agent) { Position = Pos(map) });
                }
            }

            return result;
        }

        private static bool HostPort(string value, out string host, out int port)
        {
            host = string.Empty;
            port = 0;
            var i = value.LastIndexOf(':');
            if (i <= 0 || !int.TryParse(value.AsSpan(i + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                return false;
            }

            host = value[..i].Trim('[', ']');
            return IPAddress.TryParse(host, out _) || IsDnsName(host);
        }
    }
}
