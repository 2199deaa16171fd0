using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Sysctl;

/// <summary>The sysctl.d file: kubeha's keys are replaced in place or appended; other lines are kept.</summary>
internal static class SysctlConfFile
{
    /// <summary>Replaces the lines of the given keys in a sysctl.d file, appends absent ones, keeps the rest.</summary>
    internal static string Merge(string? current, IEnumerable<SysctlSetting> settings)
    {
        var lines = current is null
            ? ["# Kernel parameters set by kubeha (API server endpoint, VIP)."]
            : current.TrimEnd('\n').Split('\n').ToList();
        foreach (var setting in settings)
        {
            var wanted = $"{setting.Key} = {SysctlSettings.Normalize(setting.Value)}";
            var index = lines.FindIndex(l => KeyOf(l) == setting.Key);
            if (index >= 0)
            {
                lines[index] = wanted;
            }
            else
            {
                lines.Add(wanted);
            }
        }

        return string.Join('\n', lines) + "\n";
    }

    private static string? KeyOf(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith('#') || trimmed.StartsWith(';'))
        {
            return null;
        }

        var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? null : trimmed[..eq].Trim().TrimStart('-').Replace('/', '.');
    }
}
