using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>What the three load balancer actions share: validate, then write through the transaction.</summary>
internal static partial class LbConfigFile
{
    /// <summary>
    /// Validates <paramref name="rendered"/> with the real program unless the live file already
    /// holds it, then writes it. A rejected candidate fails the step and leaves the live file
    /// as it was. In check mode the validation runs too; nothing is written.
    /// </summary>
    public static async Task<ActionResult> ApplyAsync(
        StepContext context, ConfigValidator validator, string path, string rendered, UnixFileMode mode,
        Func<string, string>? maskDiff, CancellationToken cancellationToken)
    {
        var current = context.Files.ReadText(path);
        var currentMode = File.Exists(path) ? File.GetUnixFileMode(path) : (UnixFileMode?)null;
        if (current == rendered && currentMode == mode)
        {
            context.Outputs["validation"] = "skipped: unchanged";
            return ActionResult.Succeeded();
        }

        var mask = maskDiff ?? (text => text);
        var validation = await validator.ValidateAsync(Path.GetFileName(path), rendered, $"{path} (candidate)", context.Time, cancellationToken)
            .ConfigureAwait(false);
        if (!validation.Ok)
        {
            return ActionResult.Failed($"{validator.Program} rejected the new {path}; the live file is unchanged: {mask(validation.Output)}");
        }

        context.Outputs["validation"] = string.IsNullOrEmpty(validation.Output) ? "ok" : "ok: " + mask(validation.Output);
        await context.ProgressAsync($"{path}: candidate accepted by {validator.Program}").ConfigureAwait(false);
        context.Files.Write(path, rendered, mode, maskDiff: maskDiff);
        return ActionResult.Succeeded();
    }

    public static UnixFileMode ModeOf(string path) => File.Exists(path) ? File.GetUnixFileMode(path) : AtomicFile.DefaultMode;

    public static string HostPort(string address, uint port) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"[{address}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"{address}:{port}");

    public static bool IsHost(string value) => IPAddress.TryParse(value, out _) || HostName().IsMatch(value);

    public static bool IsPort(uint port) => port is > 0 and <= 65535;

    /// <summary>An absolute path that is safe to write unquoted into a config file.</summary>
    public static bool IsSafePath(string value) => SafePath().IsMatch(value);

    public static bool IsName(string value) => Name().IsMatch(value);

    /// <summary>Every problem with the backends at once.</summary>
    public static IEnumerable<string> ValidateBackends(IReadOnlyList<LbBackend> backends)
    {
        if (backends.Count == 0)
        {
            yield return "no backends";
        }

        for (var i = 0; i < backends.Count; i++)
        {
            var b = backends[i];
            if (!IsHost(b.Address))
            {
                yield return $"backends[{i}]: '{b.Address}' is not an IP address or host name";
            }

            if (b.Port > 65535)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"backends[{i}]: port {b.Port} out of range");
            }

            if (!string.IsNullOrEmpty(b.Name) && !IsName(b.Name))
            {
                yield return $"backends[{i}]: name '{b.Name}' must be 1-64 of [A-Za-z0-9_.-]";
            }
        }

        foreach (var duplicate in backends.GroupBy(b => HostPort(b.Address, BackendPort(b)), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"backend {duplicate.Key} given more than once";
        }
    }

    public static uint BackendPort(LbBackend backend) => backend.Port == 0 ? 6443 : backend.Port;

    [GeneratedRegex("^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();

    [GeneratedRegex("^/[A-Za-z0-9_./-]{1,255}$")]
    private static partial Regex SafePath();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex Name();
}
