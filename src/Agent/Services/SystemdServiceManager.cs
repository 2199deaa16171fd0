using System.Globalization;
using KubeHa.Agent.Processes;

namespace KubeHa.Agent.Services;

/// <summary>
/// systemd through <c>systemctl</c> (fixed argument vectors, no shell). State comes from one
/// <c>systemctl show --property=LoadState,ActiveState,UnitFileState UNIT</c>; commands are
/// <c>systemctl --no-ask-password VERB UNIT</c>, which waits for the job to finish. Exit codes
/// (systemctl follows the LSB): 0 ok, 1 failed, 3 not active, 4 and 5 no such unit.
/// </summary>
internal sealed class SystemdServiceManager(TimeProvider time, string program = "systemctl", string? searchPath = null) : IServiceManager
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly string? _systemctl = ExecutableLocator.Find(program, searchPath);

    public string Name => "systemd";

    public bool SupportsEnable => true;

    public string? Unavailable() => _systemctl is null ? $"{program} not found (service_manager systemd needs systemctl on PATH)" : null;

    public async Task<ServiceState> GetStateAsync(string service, CancellationToken cancellationToken)
    {
        var result = await RunSystemctlAsync(["show", "--no-pager", "--property=LoadState,ActiveState,UnitFileState", service], cancellationToken).ConfigureAwait(false);
        if (result.TimedOut || result.ExitCode != 0)
        {
            throw new ServiceManagerException($"systemctl show {service}: {Describe(result)}");
        }

        var properties = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var load = properties.GetValueOrDefault("LoadState", string.Empty);
        var active = properties.GetValueOrDefault("ActiveState", string.Empty);
        var file = properties.GetValueOrDefault("UnitFileState", string.Empty);
        if (load.Length == 0 || active.Length == 0)
        {
            throw new ServiceManagerException($"systemctl show {service}: unexpected output '{result.Stdout.Trim()}'");
        }

        bool? enabled = file switch
        {
            "enabled" or "enabled-runtime" or "alias" => true,
            "disabled" or "masked" or "masked-runtime" => false,
            // static, indirect, generated, transient: nothing to enable or disable.
            _ => null,
        };
        return new ServiceState(load != "not-found", active is "active" or "reloading", enabled,
            string.IsNullOrEmpty(file) ? active : $"{active}, {file}");
    }

    public async Task<ServiceCommandResult> RunAsync(ServiceVerb verb, string service, CancellationToken cancellationToken)
    {
        var word = verb.ToString().ToLowerInvariant();
        var result = await RunSystemctlAsync(["--no-ask-password", word, service], cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 && !result.TimedOut
            ? ServiceCommandResult.Success
            : new ServiceCommandResult(false, $"systemctl {word} {service}: {Describe(result)}");
    }

    /// <summary>The meaning of a systemctl exit code, with its message.</summary>
    internal static string Describe(ProcessResult result)
    {
        if (result.TimedOut)
        {
            return $"no answer within {Timeout.TotalSeconds:0} s";
        }

        var meaning = result.ExitCode switch
        {
            1 => "failed",
            2 => "invalid arguments",
            3 => "not active",
            4 or 5 => "no such unit",
            _ => "exit " + result.ExitCode.ToString(CultureInfo.InvariantCulture),
        };
        return result.Message.Length == 0 ? meaning : $"{meaning}: {result.Message}";
    }

    private Task<ProcessResult> RunSystemctlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_systemctl ?? throw new ServiceManagerException(Unavailable()!), arguments, Timeout, time, cancellationToken);
}
