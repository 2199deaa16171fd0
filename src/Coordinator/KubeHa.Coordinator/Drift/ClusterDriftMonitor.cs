using Google.Protobuf.WellKnownTypes;
using k8s.Autorest;
using KubeHa.Protos.Agent.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeHa.Coordinator.Drift;

/// <summary>
/// Runs the cluster checks on an interval and stores them as the reports of
/// <see cref="DriftStore.ClusterReporter"/>. When the API cannot be read the previous items stay
/// open (nothing is closed on a failed check).
/// </summary>
internal sealed partial class ClusterDriftMonitor(
    ClusterDriftChecker checker, DriftStore store, TimeSpan interval, TimeProvider time, ILogger<ClusterDriftMonitor> logger) : BackgroundService
{
    private readonly string _epoch = Guid.NewGuid().ToString("N");
    private readonly Dictionary<string, Timestamp> _firstSeen = new(StringComparer.Ordinal);
    private ulong _sequence;
    private string _last = string.Empty;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CheckOnceAsync(stoppingToken).ConfigureAwait(false);
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    internal async Task CheckOnceAsync(CancellationToken cancellationToken)
    {
        List<DriftItem> items;
        try
        {
            items = await checker.CheckAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or k8s.Exceptions.KubeConfigException)
        {
            LogApiFailed(logger, e.Message);
            return;
        }

        var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        foreach (var item in items)
        {
            item.FirstSeen = _firstSeen.TryGetValue(item.Id, out var seen) ? seen : now;
        }

        foreach (var gone in _firstSeen.Keys.Except(items.Select(i => i.Id)).ToList())
        {
            _firstSeen.Remove(gone);
        }

        foreach (var item in items)
        {
            _firstSeen[item.Id] = item.FirstSeen;
        }

        var signature = string.Join("\n", items.Select(i => $"{i.Id}\t{i.Expected}\t{i.Actual}"));
        if (_sequence > 0 && signature == _last)
        {
            return;
        }

        _last = signature;
        var report = new DriftReport { Node = DriftStore.ClusterReporter, Sequence = ++_sequence, Epoch = _epoch, CheckedAt = now };
        report.Items.AddRange(items);
        store.Apply(DriftStore.ClusterReporter, report);
        LogChecked(logger, items.Count);
    }

    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "cluster drift check: cannot read the Kubernetes API ({Error}); open cluster items are kept")]
    private static partial void LogApiFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 511, Level = LogLevel.Information, Message = "cluster drift check: {Count} open item(s)")]
    private static partial void LogChecked(ILogger logger, int count);
}
