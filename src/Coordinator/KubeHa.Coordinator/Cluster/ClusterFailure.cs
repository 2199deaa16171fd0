using System.Globalization;
using k8s;
using k8s.Autorest;

namespace KubeHa.Coordinator.Cluster;

/// <summary>The execution boundary of cluster steps: turns the failures they can meet into one readable line.</summary>
internal static class ClusterFailure
{
    /// <returns>The message, or null for failures that must propagate (cancellation, bugs).</returns>
    public static string? Describe(Exception e, IKubernetes client) => e switch
    {
        ClusterStepException or ClusterConflictException or InvalidDataException => e.Message,
        KeyNotFoundException => e.Message,
        HttpOperationException h => string.Create(CultureInfo.InvariantCulture,
            $"Kubernetes API at {client.BaseUri}: {h.Request?.Method} {h.Request?.RequestUri?.AbsolutePath} answered HTTP {(int)h.Response.StatusCode}: {Brief(h.Response.Content)}"),
        HttpRequestException h => $"Kubernetes API at {client.BaseUri} unreachable: {h.InnerException?.Message ?? h.Message}",
        TaskCanceledException when e.InnerException is TimeoutException => $"Kubernetes API at {client.BaseUri}: no answer in time",
        IOException or UnauthorizedAccessException => $"coordinator state: {e.Message}",
        _ => null,
    };

    private static string Brief(string? body)
    {
        var text = (body ?? string.Empty).ReplaceLineEndings(" ").Trim();
        return text.Length > 300 ? text[..300] + "..." : text;
    }
}
