using System.Threading.Channels;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Hosting;
using KubeHa.Protos.Agent.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeHa.Agent.Drift;

/// <summary>
/// Checks drift when a watched file changes (inotify through <see cref="FileSystemWatcher"/>,
/// debounced) and on a fixed interval, publishes the report for GetDrift and the metrics, and
/// hands changed reports to the outbox for the collector.
/// </summary>
internal sealed partial class DriftMonitor : BackgroundService
{
    private readonly AgentOptions _options;
    private readonly DriftChecker _checker;
    private readonly DriftState _state;
    private readonly DriftOutbox _outbox;
    private readonly AgentMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DriftMonitor> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _checking = new(1, 1);
    private readonly ITimer _debounce;
    private readonly DriftWatcher _watcher;
    private volatile bool _rewatch = true;

    public DriftMonitor(AgentOptions options, DriftChecker checker, DriftState state, DriftOutbox outbox, AgentMetrics metrics, TimeProvider time, ILogger<DriftMonitor> logger)
    {
        _options = options;
        _checker = checker;
        _state = state;
        _outbox = outbox;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _debounce = time.CreateTimer(_ => Wake(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new DriftWatcher(FileChanged);
        checker.Desired.Changed += () =>
        {
            _rewatch = true;
            FileChanged();
        };
    }

    /// <summary>Runs one check now: merge, publish, metrics, outbox.</summary>
    public async Task<DriftReport> CheckNowAsync(CancellationToken cancellationToken)
    {
        await _checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_rewatch)
            {
                try
                {
                    _watcher.Watch(_checker.WatchedPaths());
                    _rewatch = false;
                }
                catch (IOException e)
                {
                    // Typically no inotify instance left (fs.inotify.max_user_instances, shared by
                    // every process of the user): check anyway, try the watch again next time.
                    LogWatchFailed(_logger, e.Message);
                }
            }

            var items = await _checker.CheckAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var report = _state.Merge(items, now);
            _metrics.SetDrift(items.GroupBy(i => DriftItems.KindName(i.Kind)).ToDictionary(g => g.Key, g => (long)g.Count()), now);
            if (report is not null)
            {
                LogReport(_logger, report.Sequence, report.Items.Count);
                if (_options.Drift.Collector.Length > 0)
                {
                    _outbox.Enqueue(report);
                }
            }

            return _state.Current();
        }
        finally
        {
            _checking.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var periodic = _time.CreateTimer(_ => Wake(), null, _options.Drift.CheckInterval, _options.Drift.CheckInterval);
        Wake();
        await foreach (var _ in _wake.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await CheckNowAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                LogCheckFailed(_logger, e);
            }
        }
    }

    private void FileChanged() => _debounce.Change(_options.Drift.Debounce, Timeout.InfiniteTimeSpan);

    private void Wake() => _wake.Writer.TryWrite(true);

    public override void Dispose()
    {
        _watcher.Dispose();
        _debounce.Dispose();
        _checking.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "drift report {Sequence}: {Count} open item(s)")]
    private static partial void LogReport(ILogger logger, ulong sequence, int count);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "drift watch (inotify) not set up: {Error}; file changes are seen at the periodic check until it is")]
    private static partial void LogWatchFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "drift check failed; retried at the next change or interval")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
