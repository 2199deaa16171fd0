using System.Text;
using KubeHa.Agent.Services;
using KubeHa.Common.Files;

namespace KubeHa.Agent.Actions.Service;

/// <summary>
/// The state of a service before a step changed it, kept in the step's backup directory
/// (service-state.tsv: "active\t1", "enabled\t1|0|-") so ROLLBACK can put it back. Written
/// before the service is touched, so an interrupted step can be rolled back too.
/// </summary>
internal static class ServiceStateRecord
{
    public const string FileName = "service-state.tsv";

    public static void Write(string backupDir, ServiceState state)
    {
        var text = new StringBuilder()
            .Append("active\t").Append(state.Active ? '1' : '0').Append('\n')
            .Append("enabled\t").Append(state.Enabled switch { true => '1', false => '0', null => '-' }).Append('\n')
            .ToString();
        AtomicFile.WriteAllText(Path.Combine(backupDir, FileName), text, AtomicFile.PrivateMode);
    }

    /// <returns>The recorded state (Known = true), or null when the step recorded none (it changed nothing).</returns>
    public static ServiceState? Read(string backupDir)
    {
        var path = Path.Combine(backupDir, FileName);
        if (backupDir.Length == 0 || !File.Exists(path))
        {
            return null;
        }

        var fields = File.ReadAllLines(path)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length == 2)
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("active", out var active) || !fields.TryGetValue("enabled", out var enabled))
        {
            throw new InvalidDataException($"{path}: malformed service state record");
        }

        return new ServiceState(true, active == "1", enabled switch { "1" => true, "0" => false, _ => null }, "recorded");
    }
}
