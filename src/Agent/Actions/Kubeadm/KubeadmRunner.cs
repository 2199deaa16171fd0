using System.Text.RegularExpressions;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Processes;

namespace KubeHa.Agent.Actions.Kubeadm;

/// <summary>
/// The node's kubeadm (agent config <c>kubeadm_path</c>, default <c>kubeadm</c> from PATH), run
/// with fixed argument vectors that never hold a secret. Output that goes into a message is
/// passed through <see cref="Redact"/> first.
/// </summary>
internal sealed partial class KubeadmRunner(AgentOptions options, TimeProvider time, string? searchPath = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    [GeneratedRegex(@"\b[a-z0-9]{6}\.[a-z0-9]{16}\b")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"\b[0-9a-f]{64}\b")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"v(\d+)\.(\d+)\.\d+")]
    private static partial Regex VersionPattern();

    public string Configured => options.KubeadmPath;

    /// <summary>The kubeadm executable, or null when there is none.</summary>
    public string? Program { get; } = ExecutableLocator.Find(options.KubeadmPath, searchPath);

    /// <summary>The refusal when kubeadm is missing, else null.</summary>
    public string? Missing(string node) => Program is null
        ? $"kubeadm not found on {node} (kubeadm_path '{options.KubeadmPath}'{(options.KubeadmPath.Contains('/', StringComparison.Ordinal) ? string.Empty : ", searched in PATH")}); install kubeadm or set kubeadm_path in the agent config"
        : null;

    public Task<ProcessResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(Program ?? throw new InvalidOperationException("kubeadm missing"), arguments, timeout ?? DefaultTimeout, time, cancellationToken);

    /// <summary>(major, minor) from `kubeadm version -o short`, e.g. (1, 20).</summary>
    public async Task<(int Major, int Minor)?> VersionAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(["version", "-o", "short"], cancellationToken, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var match = VersionPattern().Match(result.Stdout);
        return result.ExitCode == 0 && match.Success
            ? (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>"kubeadm ARGS: exit N: message" with anything shaped like a token or a certificate key (and the given secrets) hidden.</summary>
    public static string Describe(string what, ProcessResult result, params string[] secrets) =>
        Redact($"kubeadm {what}: {(result.TimedOut ? "timed out" : "exit " + result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture))}: {result.Message}", secrets);

    public static string Redact(string text, params string[] secrets)
    {
        foreach (var secret in secrets.Where(s => s.Length >= 6))
        {
            text = text.Replace(secret, "<redacted>", StringComparison.Ordinal);
        }

        return KeyPattern().Replace(TokenPattern().Replace(text, "<redacted token>"), "<redacted key>");
    }

    public static bool IsToken(string value) => TokenPattern().IsMatch(value) && value.Length == 23;

    public static bool IsCertificateKey(string value) => KeyPattern().IsMatch(value) && value.Length == 64;
}
