using System.Globalization;
using Google.Protobuf;
using KubeHa.Agent.Configuration;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>
/// Reports waiting for the collector, one file per sequence under STATE/drift/outbox, so they
/// survive agent restarts. Bounded: past the limit the oldest are dropped (each report is the
/// full set of open items, so the newest one alone is still the truth). An acknowledged
/// sequence removes every report up to it.
/// </summary>
internal sealed class DriftOutbox : IDisposable
{
    private readonly string _dir;
    private readonly int _limit;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _gate = new();

    public DriftOutbox(AgentOptions options)
    {
        _dir = Path.Combine(options.StateDir, "drift", "outbox");
        _limit = options.Drift.BufferLimit;
    }

    /// <summary>Reports dropped because the buffer was full, since the agent started.</summary>
    public long Dropped { get; private set; }

    public void Enqueue(DriftReport report)
    {
        lock (_gate)
        {
            AtomicFile.WriteAllBytes(Path.Combine(_dir, report.Sequence.ToString("D20", CultureInfo.InvariantCulture) + ".pb"), report.ToByteArray(), AtomicFile.PrivateMode);
            var pending = Pending();
            foreach (var (_, path) in pending.Take(Math.Max(0, pending.Count - _limit)))
            {
                File.Delete(path);
                Dropped++;
            }
        }

        _signal.Release();
    }

    /// <summary>Buffered reports, oldest first.</summary>
    public IReadOnlyList<(ulong Sequence, string Path)> Pending()
    {
        if (!Directory.Exists(_dir))
        {
            return [];
        }

        return Directory.EnumerateFiles(_dir, "*.pb")
            .Select(p => (Ok: ulong.TryParse(Path.GetFileNameWithoutExtension(p), NumberStyles.None, CultureInfo.InvariantCulture, out var s), Sequence: s, Path: p))
            .Where(x => x.Ok)
            .Select(x => (x.Sequence, x.Path))
            .OrderBy(x => x.Sequence)
            .ToList();
    }

    public static DriftReport Read(string path) => DriftReport.Parser.ParseFrom(File.ReadAllBytes(path));

    public void Acknowledge(ulong sequence)
    {
        lock (_gate)
        {
            foreach (var (_, path) in Pending().Where(p => p.Sequence <= sequence))
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>Completes when a report was enqueued since the last wait.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    public void Dispose() => _signal.Dispose();
}
