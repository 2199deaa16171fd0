using System.Text.RegularExpressions;
using SysctlSpec = KubeHa.Protos.Agent.V1.SysctlAction;

namespace KubeHa.Agent.Actions.Sysctl;

/// <summary>Which kernel parameters the agent may set, and what a valid request looks like.</summary>
internal static partial class SysctlSettings
{
    /// <summary>Keys the agent may change; entries ending in '.' allow the whole subtree.</summary>
    internal static readonly IReadOnlyList<string> AllowList =
    [
        "net.ipv4.ip_nonlocal_bind",
        "net.ipv6.ip_nonlocal_bind",
        "net.ipv4.ip_forward",
        "net.ipv6.conf.all.forwarding",
        "net.bridge.",
    ];

    internal static List<string> Validate(SysctlSpec action)
    {
        var errors = new List<string>();
        if (action.Settings.Count == 0)
        {
            errors.Add("no settings");
        }

        if (!string.IsNullOrEmpty(action.FileName) && !FileName().IsMatch(action.FileName))
        {
            errors.Add($"file_name '{action.FileName}' must be a plain NAME.conf");
        }

        foreach (var setting in action.Settings)
        {
            if (!KeyPattern().IsMatch(setting.Key))
            {
                errors.Add($"key '{setting.Key}' is not a sysctl name ([a-z0-9_] separated by dots)");
            }
            else if (!IsAllowed(setting.Key))
            {
                errors.Add($"key '{setting.Key}' is not allowed (allowed: {string.Join(", ", AllowList.Select(a => a.EndsWith('.') ? a + "*" : a))})");
            }

            if (!ValuePattern().IsMatch(setting.Value))
            {
                errors.Add($"{setting.Key}: value '{setting.Value}' must be 1-64 of [A-Za-z0-9 ._:-]");
            }
        }

        errors.AddRange(action.Settings.GroupBy(s => s.Key, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"key '{g.Key}' given more than once"));
        return errors;
    }

    internal static bool IsAllowed(string key) =>
        KeyPattern().IsMatch(key) && AllowList.Any(a => a.EndsWith('.') ? key.StartsWith(a, StringComparison.Ordinal) : key == a);

    /// <summary>Kernel multi-value parameters separate with tabs; compare with single spaces.</summary>
    internal static string Normalize(string value) =>
        string.Join(' ', value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex("^[a-z0-9_]+(\\.[a-z0-9_]+)+$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^[A-Za-z0-9 ._:-]{1,64}$")]
    private static partial Regex ValuePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\\.conf$")]
    private static partial Regex FileName();
}
