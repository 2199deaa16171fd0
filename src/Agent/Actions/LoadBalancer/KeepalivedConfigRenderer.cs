using System.Globalization;
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

    internal static string ScriptName(KeepalivedCheck check) => check.Kind == CheckKind.Process
        ? "chk_process_" + check.ProcessName.Replace('-', '_').Replace('.', '_')
        : string.Create(CultureInfo.InvariantCulture, $"chk_https_{HttpsPort(check)}");

    private static uint HttpsPort(KeepalivedCheck check) => check.Port == 0 ? 6443 : check.Port;

    private static string Script(KeepalivedCheck check) => check.Kind == CheckKind.Process
        ? $"{KillallPath} -0 {check.ProcessName}"
        : string.Create(CultureInfo.InvariantCulture,
            $"{CurlPath} -sfk --max-time 2 -o /dev/null https://127.0.0.1:{HttpsPort(check)}{(string.IsNullOrEmpty(check.Path) ? "/healthz" : check.Path)}");

    private static uint Or(uint value, uint fallback) => value == 0 ? fallback : value;

    [GeneratedRegex("(?<prefix>^[ \\t]*auth_pass[ \\t]+)\\S+", RegexOptions.Multiline)]
    private static partial Regex AuthPassLine();
}
