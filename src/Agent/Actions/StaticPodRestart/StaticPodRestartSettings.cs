using System.Text.RegularExpressions;
using KubeHa.Agent.Actions.Probe;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using RestartSpec = KubeHa.Protos.Agent.V1.StaticPodRestartAction;

namespace KubeHa.Agent.Actions.StaticPodRestart;

/// <summary>A validated <see cref="RestartSpec"/> with its defaults applied.</summary>
internal sealed partial class StaticPodRestartSettings
{
    public const string DefaultManifestsDir = "/etc/kubernetes/manifests";

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,252}$")]
    private static partial Regex ComponentPattern();

    private StaticPodRestartSettings(RestartSpec spec)
    {
        Component = spec.Component;
        ManifestsDir = spec.ManifestsDir.Length == 0 ? DefaultManifestsDir : spec.ManifestsDir;
        Health = spec.Health;
        StopTimeout = TimeSpan.FromMilliseconds(spec.StopTimeoutMs == 0 ? 30_000 : spec.StopTimeoutMs);
        ReadyTimeout = TimeSpan.FromMilliseconds(spec.ReadyTimeoutMs == 0 ? 120_000 : spec.ReadyTimeoutMs);
        PollInterval = TimeSpan.FromMilliseconds(spec.PollIntervalMs == 0 ? 1000 : spec.PollIntervalMs);
        PreviousManifestStepId = spec.PreviousManifestStepId;
    }

    public string Component { get; }
    public string ManifestsDir { get; }
    public string Manifest => Path.Combine(ManifestsDir, Component + ".yaml");
    public KubeHa.Protos.Agent.V1.ProbeAction Health { get; }
    public TimeSpan StopTimeout { get; }
    public TimeSpan ReadyTimeout { get; }
    public TimeSpan PollInterval { get; }
    public string PreviousManifestStepId { get; }

    /// <summary>What the health endpoint is, for messages ("HTTPS 10.77.2.11:6443/readyz").</summary>
    public string HealthTarget => $"{Health.Kind.ToString().ToUpperInvariant()} {Health.Host}:{Health.Port}{(Health.Kind == ProbeKind.Https ? (Health.Path.Length == 0 ? "/healthz" : Health.Path) : string.Empty)}";

    /// <returns>The settings, or null with every problem (each naming its field) in <paramref name="errors"/>.</returns>
    public static StaticPodRestartSettings? Create(RestartSpec spec, out List<string> errors)
    {
        errors = [];
        if (!ComponentPattern().IsMatch(spec.Component))
        {
            errors.Add($"component must be a manifest name without .yaml (lower-case letters, digits, '.', '-'), got '{spec.Component}'");
        }

        if (spec.ManifestsDir.Length > 0 && !Path.IsPathFullyQualified(spec.ManifestsDir))
        {
            errors.Add($"manifests_dir must be an absolute path, got '{spec.ManifestsDir}'");
        }

        if (spec.Health is null)
        {
            errors.Add("health is required (the endpoint that tells the pod is down and up again)");
        }
        else
        {
            errors.AddRange(ProbeSettings.Validate(spec.Health).Select(e => "health: " + e));
        }

        Check(errors, spec.StopTimeoutMs, "stop_timeout_ms", 600_000);
        Check(errors, spec.ReadyTimeoutMs, "ready_timeout_ms", 1_800_000);
        Check(errors, spec.PollIntervalMs, "poll_interval_ms", 60_000);
        if (spec.PreviousManifestStepId.Length > 0 && !StepStore.IsValidId(spec.PreviousManifestStepId))
        {
            errors.Add($"previous_manifest_step_id '{spec.PreviousManifestStepId}' is not a valid step id");
        }

        return errors.Count == 0 ? new StaticPodRestartSettings(spec) : null;
    }

    private static void Check(List<string> errors, int value, string field, int max)
    {
        if (value < 0 || value > max)
        {
            errors.Add($"{field} must be 0..{max}, got {value}");
        }
    }
}
