using KubeHa.Agent.Drift;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>The service manager boundary: which services run is set by the test.</summary>
internal sealed class FakeServiceProbe : IServiceProbe
{
    public HashSet<string> Active { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs inside a probe, that is in the middle of a drift check (a test's concurrent edit).</summary>
    public Action<string>? DuringProbe { get; set; }

    public Task<bool> IsActiveAsync(string service, CancellationToken cancellationToken)
    {
        DuringProbe?.Invoke(service);
        return Task.FromResult(Active.Contains(service));
    }
}
