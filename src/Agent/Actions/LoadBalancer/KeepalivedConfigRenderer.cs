using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using KubeHa.Protos.Agent.V1;
using KeepalivedSpec = KubeHa.Protos.Agent.V1.KeepalivedConfigAction;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>
/// Renders the whole keepalived.conf: one VRRP instance holding the VIP with unicast peers
/// and track scripts that lower the priority when the local proxy or API server is
/// unhealthy (seed 001). Scripts come from typed checks, never from request text.
/// </summary>
internal static partial class KeepalivedConfigRenderer
{
    public const string DefaultPath = "/etc/keepalived/keepalived.conf";
    public const string KillallPath = "/usr/bin/killall";
    public const string CurlPath = "/usr/bin/curl";

    public static IReadOnlyList<string> Validate(KeepalivedSpec spec)
    {
        var errors = new List<string>();
        if (!string.IsNullOrEmpty(spec.ConfigPath) && !LbConfigFile.IsSafePath(spec.ConfigPath))
        {
            errors.Add($"config_path '{spec.ConfigPath}' must be an absolute path of [A-Za-z0-9_./-]");
        }

        if (spec.State == VrrpState.Unspecified)
        {
            errors.Add("state must be MASTER or BACKUP");
        }

        if (spec.Nopreempt && spec.State == VrrpState.Master)
        {
            errors.Add("nopreempt needs state BACKUP (keepalived ignores it for MASTER)");
        }

        if (!Interface().IsMatch(spec.Interface))
        {
            errors.Add($"interface '{spec.Interface}' is not an interface name");
        }

        foreach (var (name, value) in new[] { ("router_id", spec.RouterId), ("instance_name", spec.InstanceName) })
        {
            if (!string.IsNullOrEmpty(value) && !LbConfigFile.IsName(value))
            {
                errors.Add($"{name} '{value}' must be 1-64 of [A-Za-z0-9_.-]");
            }
        }

        if (spec.VirtualRouterId is < 1 or > 255)
        {
            errors.Add($"virtual_router_id must be 1..255, got {spec.VirtualRouterId}");
        }

        if (spec.Priority is < 1 or > 254)
        {
            errors.Add($"priority must be 1..254, got {spec.Priority}");
        }

        if (spec.AdvertIntS > 255)
        {
            errors.Add("advert_int_s must be 0..255");
        }

        if (!string.IsNullOrEmpty(spec.AuthPass) && !AuthPass().IsMatch(spec.AuthPass))
        {
            // Never echo the password.
            errors.Add("auth_pass must be 1-8 of [A-Za-z0-9._+=@%^*-]");
        }

        if (!string.IsNullOrEmpty(spec.UnicastSrcIp) && !IPAddress.TryParse(spec.UnicastSrcIp, out _))
        {
            errors.Add($"unicast_src_ip '{spec.UnicastSrcIp}' is not an IP address");
        }

        errors.AddRange(spec.UnicastPeers.Where(p => !IPAddress.TryParse(p, out _)).Select(p => $"unicast_peers: '{p}' is not an IP address"));
        if (spec.VirtualIpAddresses.Count == 0)
        {
            errors.Add("no virtual_ip_addresses");
        }

        errors.AddRange(spec.VirtualIpAddresses.Where(v => !IsCidrOrIp(v)).Select(v => $"virtual_ip_addresses: '{v}' is not IP or IP/prefix"));
        for (var i = 0; i < spec.Checks.Count; i++)
        {
            var check = spec.Checks[i];
            switch (check.Kind)
            {
                case CheckKind.Process when !ProcessName().IsMatch(check.ProcessName):
                    errors.Add($"checks[{i}]: process_name '{check.ProcessName}' must be 1-15 of [A-Za-z0-9_.-]");
                    break;
                case CheckKind.HttpsUrl when check.Port > 65535 || (!string.IsNullOrEmpty(check.Path) && !UrlPath().IsMatch(check.Path)):
                    errors.Add($"checks[{i}]: port must be 1..65535 and path /[A-Za-z0-9_./?=&-]*");
                    break;
                case CheckKind.Unspecified:
                    errors.Add($"checks[{i}]: kind must be PROCESS or HTTPS_URL");
                    break;
            }

            if (check.Weight is < -253 or > 253)
            {
                errors.Add($"checks[{i}]: weight must be -253..253");
            }
        }

        errors.AddRange(spec.Checks.GroupBy(ScriptName, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"check {g.Key} given more than once"));
        return errors;
    }

    public static string Render(KeepalivedSpec spec, string node)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append("# Managed by kubeha (keepalived_config): API server VIP. Local changes are overwritten.\n");
        s.Append(c, $"global_defs {{\n    router_id {(string.IsNullOrEmpty(spec.RouterId) ? node : spec.RouterId)}\n    enable_script_security\n    script_user root\n}}\n");
        foreach (var check in spec.Checks)
        {
            s.Append(c, $"\nvrrp_script {ScriptName(check)} {{\n    script \"{Script(check)}\"\n");
            s.Append(c, $"    interval {Or(check.IntervalS, 3)}\n    weight {(check.Weight == 0 ? -30 : check.Weight)}\n");
            s.Append(c, $"    fall {Or(check.Fall, 2)}\n    rise {Or(check.Rise, 2)}\n}}\n");
        }

        s.Append(c, $"\nvrrp_instance {(string.IsNullOrEmpty(spec.InstanceName) ? "VI_kube_apiserver" : spec.InstanceName)} {{\n");
        s.Append(c, $"    state {(spec.State == VrrpState.Master ? "MASTER" : "BACKUP")}\n");
        s.Append(c, $"    interface {spec.Interface}\n    virtual_router_id {spec.VirtualRouterId}\n    priority {spec.Priority}\n");
        s.Append(c, $"    advert_int {Or(spec.AdvertIntS, 1)}\n");
        if (spec.Nopreempt)
        {
            s.Append("    nopreempt\n");
        }

        if (!string.IsNullOrEmpty(spec.AuthPass))
        {
            s.Append(c, $"    authentication {{\n        auth_type PASS\n        auth_pass {spec.AuthPass}\n    }}\n");
        }

        if (!string.IsNullOrEmpty(spec.UnicastSrcIp))
        {
            s.Append(c, $"    unicast_src_ip {spec.UnicastSrcIp}\n");
        }

        if (spec.UnicastPeers.Count > 0)
        {
            s.Append("    unicast_peer {\n");
            foreach (var peer in spec.UnicastPeers)
            {
                s.Append(c, $"        {peer}\n");
            }

            s.Append("    }\n");
        }

        s.Append("    virtual_ipaddress {\n");
        foreach (var vip in spec.VirtualIpAddresses)
        {
            s.Append(c, $"        {vip}\n");
        }

        s.Append("    }\n");
        if (spec.Checks.Count > 0)
        {
            s.Append("    track_script {\n");
            foreach (var check in spec.Checks)
            {
                s.Append(c, $"        {ScriptName(check)}\n");
            }

            s.Append("    }\n");
        }

        s.Append("}\n");
        return s.ToString();
    }

    /// <summary>Shows the diff of keepalived.conf with the password replaced.</summary>
    public static string MaskAuthPass(string text) => AuthPassLine().Replace(text, "${prefix}<redacted>");

    private static string ScriptName(KeepalivedCheck check) => check.Kind == CheckKind.Process
        ? "chk_process_" + check.ProcessName.Replace('-', '_').Replace('.', '_')
        : string.Create(CultureInfo.InvariantCulture, $"chk_https_{HttpsPort(check)}");

    private static uint HttpsPort(KeepalivedCheck check) => check.Port == 0 ? 6443 : check.Port;

    private static string Script(KeepalivedCheck check) => check.Kind == CheckKind.Process
        ? $"{KillallPath} -0 {check.ProcessName}"
        : string.Create(CultureInfo.InvariantCulture,
            $"{CurlPath} -sfk --max-time 2 -o /dev/null https://127.0.0.1:{HttpsPort(check)}{(string.IsNullOrEmpty(check.Path) ? "/healthz" : check.Path)}");

    private static uint Or(uint value, uint fallback) => value == 0 ? fallback : value;

    private static bool IsCidrOrIp(string value) => IPAddress.TryParse(value, out _) || IsHostPrefix(value);

    /// <summary>A VIP with its prefix (10.0.0.100/24): the host bits are set, so it is not a network.</summary>
    private static bool IsHostPrefix(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && IPAddress.TryParse(value[..slash], out var ip) &&
               int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) &&
               prefix >= 0 && prefix <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32);
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,15}$")]
    private static partial Regex Interface();

    [GeneratedRegex("^[A-Za-z0-9._+=@%^*-]{1,8}$")]
    private static partial Regex AuthPass();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,15}$")]
    private static partial Regex ProcessName();

    [GeneratedRegex("^/[A-Za-z0-9_./?=&-]*$")]
    private static partial Regex UrlPath();

    [GeneratedRegex("(?<prefix>^[ \\t]*auth_pass[ \\t]+)\\S+", RegexOptions.Multiline)]
    private static partial Regex AuthPassLine();
}
