using KubeHa.Agent.Drift;

namespace KubeHa.Agent.Tests.Drift;

/// <summary>The service manager boundary: which services run is set by the test.</summary>
internal sealed class FakeServiceProbe : IServiceProbe
{
    public HashSet<string> Active { get; } = new(StringComparer.Ordinal);

    public Task<bool> IsActiveAsync(string service, CancellationToken cancellationToken) => Task.FromResult(Active.Contains(service));
}
