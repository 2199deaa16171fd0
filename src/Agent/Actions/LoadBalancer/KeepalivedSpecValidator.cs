using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using KubeHa.Protos.Agent.V1;
using KeepalivedSpec = KubeHa.Protos.Agent.V1.KeepalivedConfigAction;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>Every problem with a keepalived request at once; never echoes the password.</summary>
internal static partial class KeepalivedSpecValidator
{
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

        errors.AddRange(spec.Checks.GroupBy(KeepalivedConfigRenderer.ScriptName, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"check {g.Key} given more than once"));
        return errors;
    }

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
}
