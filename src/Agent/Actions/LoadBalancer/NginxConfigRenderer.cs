using System.Globalization;
using System.Text;
using KubeHa.Protos.Agent.V1;
using NginxSpec = KubeHa.Protos.Agent.V1.NginxConfigAction;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>Renders the whole nginx.conf of an API server L4 proxy (seeds 000 and 004).</summary>
internal static class NginxConfigRenderer
{
    public const string DefaultPath = "/etc/nginx/nginx.conf";

    public static IReadOnlyList<string> Validate(NginxSpec spec)
    {
        var errors = new List<string>();
        if (!string.IsNullOrEmpty(spec.ListenAddress) && !System.Net.IPAddress.TryParse(spec.ListenAddress, out _))
        {
            errors.Add($"listen_address '{spec.ListenAddress}' is not an IP address");
        }

        if (spec.ListenPort > 65535 || spec.HealthzPort > 65535)
        {
            errors.Add("ports must be 1..65535");
        }

        if (spec.HealthzPort != 0 && spec.HealthzPort == ListenPort(spec) &&
            (string.IsNullOrEmpty(spec.ListenAddress) || spec.ListenAddress == HealthzAddress(spec)))
        {
            errors.Add("healthz_port must differ from listen_port");
        }

        if (!string.IsNullOrEmpty(spec.HealthzAddress) && !System.Net.IPAddress.TryParse(spec.HealthzAddress, out _))
        {
            errors.Add($"healthz_address '{spec.HealthzAddress}' is not an IP address");
        }

        foreach (var (name, value) in new[] { ("config_path", spec.ConfigPath), ("pid_path", spec.PidPath), ("error_log", spec.ErrorLog) })
        {
            if (!string.IsNullOrEmpty(value) && !LbConfigFile.IsSafePath(value))
            {
                errors.Add($"{name} '{value}' must be an absolute path of [A-Za-z0-9_./-]");
            }
        }

        if (!string.IsNullOrEmpty(spec.User) && !LbConfigFile.IsName(spec.User))
        {
            errors.Add($"user '{spec.User}' is not a user name");
        }

        if (spec.WorkerProcesses > 1024 || spec.WorkerConnections > 1_000_000)
        {
            errors.Add("worker_processes must be 0..1024 and worker_connections 0..1000000");
        }

        errors.AddRange(LbConfigFile.ValidateBackends(spec.Backends));
        return errors;
    }

    public static uint ListenPort(NginxSpec spec) => spec.ListenPort == 0 ? 8443 : spec.ListenPort;

    private static string HealthzAddress(NginxSpec spec) =>
        string.IsNullOrEmpty(spec.HealthzAddress) ? "127.0.0.1" : spec.HealthzAddress;

    private static string Or(string value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;

    private static uint Or(uint value, uint fallback) => value == 0 ? fallback : value;

    public static string Render(NginxSpec spec, NginxModules modules)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append("# Managed by kubeha (nginx_config): API server load balancer. Local changes are overwritten.\n");
        s.Append(c, $"user {Or(spec.User, "www-data")};\n");
        s.Append(c, $"worker_processes {(spec.WorkerProcesses == 0 ? "auto" : spec.WorkerProcesses.ToString(c))};\n");
        s.Append(c, $"pid {Or(spec.PidPath, "/run/nginx.pid")};\n");
        s.Append(c, $"error_log {Or(spec.ErrorLog, "/var/log/nginx/error.log")} notice;\n");
        if (modules.IncludeGlob is not null)
        {
            s.Append(c, $"include {modules.IncludeGlob};\n");
        }

        if (modules.LoadModulePath is not null)
        {
            s.Append(c, $"load_module {modules.LoadModulePath};\n");
        }

        s.Append("\nevents {\n");
        s.Append(c, $"    worker_connections {Or(spec.WorkerConnections, 1024)};\n");
        s.Append("}\n\nstream {\n    upstream kube_apiserver {\n");
        switch (spec.Balance)
        {
            case LbBalance.RoundRobin:
                break;
            case LbBalance.Source:
                s.Append("        hash $remote_addr consistent;\n");
                break;
            default:
                s.Append("        least_conn;\n");
                break;
        }

        foreach (var backend in spec.Backends)
        {
            s.Append(c, $"        server {LbConfigFile.HostPort(backend.Address, LbConfigFile.BackendPort(backend))} max_fails={Or(spec.MaxFails, 1)} fail_timeout={Or(spec.FailTimeoutS, 10)}s;\n");
        }

        s.Append("    }\n\n    server {\n");
        var listen = string.IsNullOrEmpty(spec.ListenAddress)
            ? ListenPort(spec).ToString(c)
            : LbConfigFile.HostPort(spec.ListenAddress, ListenPort(spec));
        s.Append(c, $"        listen {listen};\n");
        s.Append("        proxy_pass kube_apiserver;\n");
        s.Append(c, $"        proxy_connect_timeout {Or(spec.ConnectTimeoutMs, 1000)}ms;\n");
        s.Append(c, $"        proxy_timeout {Or(spec.ProxyTimeoutS, 600)}s;\n");
        s.Append("    }\n}\n");
        if (spec.HealthzPort != 0)
        {
            s.Append("\nhttp {\n    access_log off;\n    server_tokens off;\n\n    server {\n");
            s.Append(c, $"        listen {LbConfigFile.HostPort(HealthzAddress(spec), spec.HealthzPort)};\n");
            s.Append("        location = /healthz {\n            default_type text/plain;\n            return 200 \"ok\\n\";\n        }\n");
            s.Append("        location / {\n            return 404;\n        }\n    }\n}\n");
        }

        return s.ToString();
    }
}
