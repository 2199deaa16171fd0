using System.Globalization;
using System.Text;
using KubeHa.Protos.Agent.V1;
using HaproxySpec = KubeHa.Protos.Agent.V1.HaproxyConfigAction;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>Renders the whole haproxy.cfg: TCP mode with TLS health checks of every API server (seed 001).</summary>
internal static class HaproxyConfigRenderer
{
    public const string DefaultPath = "/etc/haproxy/haproxy.cfg";

    public static IReadOnlyList<string> Validate(HaproxySpec spec)
    {
        var errors = new List<string>();
        if (!string.IsNullOrEmpty(spec.BindAddress) && !System.Net.IPAddress.TryParse(spec.BindAddress, out _))
        {
            errors.Add($"bind_address '{spec.BindAddress}' is not an IP address");
        }

        if (!string.IsNullOrEmpty(spec.StatsAddress) && !System.Net.IPAddress.TryParse(spec.StatsAddress, out _))
        {
            errors.Add($"stats_address '{spec.StatsAddress}' is not an IP address");
        }

        if (spec.BindPort > 65535 || spec.StatsPort > 65535)
        {
            errors.Add("ports must be 1..65535");
        }

        if (spec.StatsPort != 0 && spec.StatsPort == BindPort(spec))
        {
            errors.Add("stats_port must differ from bind_port");
        }

        foreach (var (name, value) in new[] { ("config_path", spec.ConfigPath), ("pid_path", spec.PidPath) })
        {
            if (!string.IsNullOrEmpty(value) && !LbConfigFile.IsSafePath(value))
            {
                errors.Add($"{name} '{value}' must be an absolute path of [A-Za-z0-9_./-]");
            }
        }

        if (spec.CheckFall > 100 || spec.CheckRise > 100)
        {
            errors.Add("check_fall and check_rise must be 0..100");
        }

        errors.AddRange(LbConfigFile.ValidateBackends(spec.Backends));
        return errors;
    }

    private static uint BindPort(HaproxySpec spec) => spec.BindPort == 0 ? 8443 : spec.BindPort;

    private static uint Or(uint value, uint fallback) => value == 0 ? fallback : value;

    public static string Render(HaproxySpec spec)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append("# Managed by kubeha (haproxy_config): API server load balancer. Local changes are overwritten.\n");
        s.Append("global\n    log /dev/log local0\n    log /dev/log local1 notice\n    user haproxy\n    group haproxy\n    daemon\n");
        s.Append(c, $"    pidfile {(string.IsNullOrEmpty(spec.PidPath) ? "/run/haproxy.pid" : spec.PidPath)}\n\n");
        s.Append("defaults\n    log global\n    mode tcp\n    option tcplog\n    option dontlognull\n");
        s.Append(c, $"    timeout connect {Or(spec.TimeoutConnectMs, 5000)}ms\n");
        s.Append(c, $"    timeout client {Or(spec.TimeoutClientS, 600)}s\n");
        s.Append(c, $"    timeout server {Or(spec.TimeoutServerS, 600)}s\n\n");
        var bind = string.IsNullOrEmpty(spec.BindAddress)
            ? string.Create(c, $"*:{BindPort(spec)}")
            : LbConfigFile.HostPort(spec.BindAddress, BindPort(spec));
        s.Append(c, $"frontend kube_apiserver\n    bind {bind}\n    default_backend kube_apiserver\n\n");
        s.Append("backend kube_apiserver\n");
        s.Append(c, $"    balance {spec.Balance switch { LbBalance.LeastConn => "leastconn", LbBalance.Source => "source", _ => "roundrobin" }}\n");
        var path = spec.HealthCheck switch
        {
            HaproxyHealthCheck.Tcp => null,
            HaproxyHealthCheck.Healthz => "/healthz",
            HaproxyHealthCheck.Livez => "/livez",
            _ => "/readyz",
        };
        var timing = string.Create(c, $"inter {Or(spec.CheckIntervalMs, 2000)}ms fall {Or(spec.CheckFall, 3)} rise {Or(spec.CheckRise, 2)}");
        if (path is null)
        {
            s.Append(c, $"    default-server check {timing}\n");
        }
        else
        {
            s.Append(c, $"    option httpchk GET {path}\n    http-check expect status 200\n");
            s.Append(c, $"    default-server check check-ssl verify none {timing}\n");
        }

        foreach (var backend in spec.Backends)
        {
            var name = string.IsNullOrEmpty(backend.Name) ? backend.Address : backend.Name;
            s.Append(c, $"    server {name} {LbConfigFile.HostPort(backend.Address, LbConfigFile.BackendPort(backend))}\n");
        }

        if (spec.StatsPort != 0)
        {
            var address = string.IsNullOrEmpty(spec.StatsAddress) ? "127.0.0.1" : spec.StatsAddress;
            s.Append(c, $"\nlisten stats\n    bind {LbConfigFile.HostPort(address, spec.StatsPort)}\n    mode http\n    stats enable\n    stats uri /stats\n    stats refresh 10s\n    stats hide-version\n");
        }

        return s.ToString();
    }
}
