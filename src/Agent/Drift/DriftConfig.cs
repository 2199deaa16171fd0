using System.Globalization;

namespace KubeHa.Agent.Drift;

/// <summary>
/// Drift settings from agent.yaml: <c>endpoint</c> (the API endpoint every kubeconfig must use),
/// <c>collector</c> (HOST:PORT of `kubeha serve`), <c>drift_check_interval_s</c> (default 60),
/// <c>drift_debounce_ms</c> (default 300), <c>cert_expiry_days</c> (default 30),
/// <c>kubernetes_dir</c> (default /etc/kubernetes), <c>drift_buffer_limit</c> (default 1000),
/// <c>drift_retry_max_s</c> (longest wait between push attempts, default 30).
/// </summary>
internal sealed class DriftConfig
{
    public static readonly string[] Keys =
        ["endpoint", "collector", "drift_check_interval_s", "drift_debounce_ms", "cert_expiry_days", "kubernetes_dir", "drift_buffer_limit", "drift_retry_max_s"];

    /// <summary>Normalized server URL (https://host:port), or empty when not configured.</summary>
    public string Endpoint { get; init; } = string.Empty;
    /// <summary>https://host:port of the drift collector, or empty (no push).</summary>
    public string Collector { get; init; } = string.Empty;
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(300);
    public TimeSpan CertExpiryWarning { get; init; } = TimeSpan.FromDays(30);
    public string KubernetesDir { get; init; } = "/etc/kubernetes";
    /// <summary>Reports kept on disk while the collector is unreachable; the oldest go first.</summary>
    public int BufferLimit { get; init; } = 1000;
    /// <summary>Where the push client starts its backoff, and its cap.</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);

    public static DriftConfig Parse(Func<string, string?> scalar, string path, List<string> errors)
    {
        int Int(string key, int fallback, int min, int max)
        {
            var text = scalar(key);
            if (text is null)
            {
                return fallback;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                errors.Add($"{path}: {key} must be an integer from {min} to {max}, got '{text}'");
                return fallback;
            }

            return value;
        }

        var endpoint = scalar("endpoint");
        var normalized = endpoint is null ? string.Empty : NormalizeServer(endpoint);
        if (normalized is null)
        {
            errors.Add($"{path}: endpoint must be https://HOST:PORT or HOST:PORT, got '{endpoint}'");
        }

        var collector = scalar("collector");
        var collectorUrl = collector is null ? string.Empty : NormalizeServer(collector);
        if (collectorUrl is null)
        {
            errors.Add($"{path}: collector must be HOST:PORT of `kubeha serve`, got '{collector}'");
        }

        var dir = scalar("kubernetes_dir") ?? "/etc/kubernetes";
        if (!Path.IsPathFullyQualified(dir))
        {
            errors.Add($"{path}: kubernetes_dir must be an absolute path, got '{dir}'");
        }

        return new DriftConfig
        {
            Endpoint = normalized ?? string.Empty,
            Collector = collectorUrl ?? string.Empty,
            CheckInterval = TimeSpan.FromSeconds(Int("drift_check_interval_s", 60, 1, 86_400)),
            Debounce = TimeSpan.FromMilliseconds(Int("drift_debounce_ms", 300, 0, 60_000)),
            CertExpiryWarning = TimeSpan.FromDays(Int("cert_expiry_days", 30, 0, 3650)),
            KubernetesDir = Path.TrimEndingDirectorySeparator(dir),
            BufferLimit = Int("drift_buffer_limit", 1000, 1, 1_000_000),
            RetryMax = TimeSpan.FromSeconds(Int("drift_retry_max_s", 30, 1, 3600)),
        };
    }

    /// <summary>https://host:port from "https://host:port" or "host:port"; null when not one.</summary>
    public static string? NormalizeServer(string value)
    {
        var text = value.Contains("://", StringComparison.Ordinal) ? value : "https://" + value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps ||
            string.IsNullOrEmpty(uri.Host) || uri.PathAndQuery != "/" || !string.IsNullOrEmpty(uri.UserInfo) || text.EndsWith('/'))
        {
            return null;
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }
}
