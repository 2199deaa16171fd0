using System.Globalization;
using KubeHa.Agent.Processes;

namespace KubeHa.Agent.Services;

/// <summary>
/// The lab's service supervisor (lab/svc, see lab/README.md): <c>$KUBEHA_LAB_SVC</c>, else
/// <c>svc</c> on PATH, run inside the lab node the agent runs in. Exit codes as systemctl: 0 ok,
/// 1 failed, 2 usage, 3 inactive, 5 unknown service, 6 not in a lab node. It has no boot, so
/// no enable/disable.
/// </summary>
internal sealed class LabServiceManager : IServiceManager
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _time;
    private readonly string? _svc;
    private readonly string _wanted;

    public LabServiceManager(TimeProvider time, string? program = null, string? searchPath = null)
    {
        _time = time;
        var fromEnvironment = Environment.GetEnvironmentVariable("KUBEHA_LAB_SVC");
        _wanted = program ?? (string.IsNullOrEmpty(fromEnvironment) ? "svc" : fromEnvironment);

        _svc = ExecutableLocator.Find(_wanted, searchPath);
    }

    public string Name => "lab";

    public bool SupportsEnable => false;

    public string? Unavailable() => _svc is null
        ? $"the lab supervisor '{_wanted}' was not found (service_manager lab needs $KUBEHA_LAB_SVC or svc on PATH: run the agent inside a lab node)"
        : null;

    public async Task<ServiceState> GetStateAsync(string service, CancellationToken cancellationToken)
    {
        var name = Normalize(service);
        var result = await RunSvcAsync(["is-active", name], cancellationToken).ConfigureAwait(false);
        return result switch
        {
            { TimedOut: false, ExitCode: 0 } => new ServiceState(true, true, null, "active"),
            { TimedOut: false, ExitCode: 3 } => new ServiceState(true, false, null, result.Stdout.Trim().Length > 0 ? result.Stdout.Trim() : "inactive"),
            { TimedOut: false, ExitCode: 5 } => new ServiceState(false, false, null, "unknown"),
            _ => throw new ServiceManagerException($"svc is-active {name}: {Describe(result)}"),
        };
    }

    public async Task<ServiceCommandResult> RunAsync(ServiceVerb verb, string service, CancellationToken cancellationToken)
    {
        if (verb is ServiceVerb.Enable or ServiceVerb.Disable)
        {
            return ServiceCommandResult.Success;
        }

        var name = Normalize(service);
        var word = verb.ToString().ToLowerInvariant();
        var result = await RunSvcAsync([word, name], cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 && !result.TimedOut
            ? ServiceCommandResult.Success
            : new ServiceCommandResult(false, $"svc {word} {name}: {Describe(result)}");
    }

    /// <summary>Lab services have no ".service" suffix.</summary>
    internal static string Normalize(string service) =>
        service.EndsWith(".service", StringComparison.Ordinal) ? service[..^".service".Length] : service;

    private static string Describe(ProcessResult result)
    {
        if (result.TimedOut)
        {
            return $"no answer within {Timeout.TotalSeconds:0} s";
        }

        var meaning = result.ExitCode switch
        {
            1 => "failed",
            2 => "usage error",
            3 => "not active",
            5 => "unknown service",
            6 => "not inside a lab node",
            _ => "exit " + result.ExitCode.ToString(CultureInfo.InvariantCulture),
        };
        return result.Message.Length == 0 ? meaning : $"{meaning}: {result.Message}";
    }

    private Task<ProcessResult> RunSvcAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_svc ?? throw new ServiceManagerException(Unavailable()!), arguments, Timeout, _time, cancellationToken);
}
