using Google.Protobuf.WellKnownTypes;
using KubeHa.Coordinator.Drift;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace KubeHa.Coordinator.Tests.Drift;

[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftStoreTests : IDisposable
{
    private readonly TempDir _dir = new("kubeha-drift-store");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 5, 1, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private DriftReport Report(ulong sequence, string epoch, params string[] subjects)
    {
        var report = new DriftReport { Node = "n1", Sequence = sequence, Epoch = epoch, CheckedAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()) };
        report.Items.AddRange(subjects.Select(s => new DriftItem
        {
            Id = $"n1/file_content/{s}", Node = "n1", Kind = DriftKind.FileContent, Subject = s, FirstSeen = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
        }));
        return report;
    }

    [Fact]
    public void Apply_ItemAbsentFromNewerReport_Closed()
    {
        using var store = new DriftStore(_dir.Path, _time);
        store.Apply("n1", Report(1, "e", "/a", "/b"));
        _time.Advance(TimeSpan.FromMinutes(1));

        store.Apply("n1", Report(2, "e", "/b"));

        Assert.Equal(["/b"], store.Items().Select(i => i.Item.Subject));
        var closed = Assert.Single(store.Items(includeClosed: true), i => i.Item.Subject == "/a");
        Assert.StartsWith("2025-05-01T08:01:00", closed.ClosedAt, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_DuplicateOrOlderSequence_NotStoredAndAcknowledgesTheHighest()
    {
        using var store = new DriftStore(_dir.Path, _time);
        Assert.Equal(3UL, store.Apply("n1", Report(3, "e", "/a")));

        Assert.Equal(3UL, store.Apply("n1", Report(3, "e")));
        Assert.Equal(3UL, store.Apply("n1", Report(2, "e")));

        Assert.Equal([3UL], store.Sequences("n1"));
        Assert.Single(store.Items());
    }

    [Fact]
    public void Apply_NewEpoch_SequenceRestartAccepted()
    {
        using var store = new DriftStore(_dir.Path, _time);
        store.Apply("n1", Report(7, "old", "/a"));

        Assert.Equal(1UL, store.Apply("n1", Report(1, "new")));

        Assert.Empty(store.Items());
        Assert.Equal([7UL, 1UL], store.Sequences("n1"));
    }

    [Fact]
    public void Apply_ReopenedItem_FirstSeenFromTheNewReport()
    {
        using var store = new DriftStore(_dir.Path, _time);
        store.Apply("n1", Report(1, "e", "/a"));
        store.Apply("n1", Report(2, "e"));
        _time.Advance(TimeSpan.FromHours(1));

        store.Apply("n1", Report(3, "e", "/a"));

        var item = Assert.Single(store.Items());
        Assert.Equal(_time.GetUtcNow(), item.Item.FirstSeen.ToDateTimeOffset());
        Assert.Null(item.ClosedAt);
    }
}
