using System.Globalization;
using Google.Protobuf;
using KubeHa.Protos.Agent.V1;
using Microsoft.Data.Sqlite;

namespace KubeHa.Coordinator.Drift;

/// <summary>
/// Drift reports and the open items they imply, in the coordinator's SQLite state store (the
/// journal's database file, own tables). Each reporter (an agent's node name, or
/// <see cref="ClusterReporter"/> for the daemon's own checks) sends full sets of open items with
/// an increasing sequence: an item absent from a newer report is closed; a sequence already
/// stored (same epoch) is a duplicate and changes nothing.
/// </summary>
public sealed class DriftStore : IDisposable
{
    public const string ClusterReporter = "@cluster";
    /// <summary>Reports kept per reporter (the items table holds the current truth).</summary>
    public const int ReportsKept = 1000;

    private readonly SqliteConnection _db;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public DriftStore(string stateDir, TimeProvider time)
    {
        _time = time;
        Directory.CreateDirectory(stateDir);
        Path = System.IO.Path.Combine(stateDir, "journal.db");
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        _db.Open();
        Sql.Execute(_db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
        Sql.Execute(_db, """
            CREATE TABLE IF NOT EXISTS drift_reporters (
              reporter TEXT PRIMARY KEY, epoch TEXT NOT NULL, last_sequence INTEGER NOT NULL,
              checked_at TEXT NOT NULL, received_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS drift_reports (
              id INTEGER PRIMARY KEY AUTOINCREMENT, reporter TEXT NOT NULL, epoch TEXT NOT NULL, sequence INTEGER NOT NULL,
              checked_at TEXT NOT NULL, received_at TEXT NOT NULL, item_count INTEGER NOT NULL, report BLOB NOT NULL,
              UNIQUE (reporter, epoch, sequence));
            CREATE TABLE IF NOT EXISTS drift_items (
              id TEXT PRIMARY KEY, reporter TEXT NOT NULL, node TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
              correctable INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, closed_at TEXT,
              item BLOB NOT NULL);
            """);
    }

    public string Path { get; }

    /// <summary>Stores a report unless it is a duplicate.</summary>
    /// <returns>The highest sequence stored for this reporter (the acknowledgement).</returns>
    public ulong Apply(string reporter, DriftReport report)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            using (var cmd = Sql.Command(_db, "SELECT epoch, last_sequence FROM drift_reporters WHERE reporter = $r", ("$r", reporter)))
            using (var reader = cmd.ExecuteReader())
            {
                if (reader.Read() && reader.GetString(0) == report.Epoch && (ulong)reader.GetInt64(1) >= report.Sequence)
                {
                    return (ulong)reader.GetInt64(1);
                }
            }

            var now = Text(_time.GetUtcNow());
            var checkedAt = Text(report.CheckedAt?.ToDateTimeOffset() ?? _time.GetUtcNow());
            Sql.Execute(_db, "INSERT INTO drift_reports (reporter, epoch, sequence, checked_at, received_at, item_count, report) VALUES ($r, $e, $s, $c, $n, $i, $b)",
                ("$r", reporter), ("$e", report.Epoch), ("$s", (long)report.Sequence), ("$c", checkedAt), ("$n", now), ("$i", report.Items.Count), ("$b", report.ToByteArray()));
            Sql.Execute(_db, """
                INSERT INTO drift_reporters (reporter, epoch, last_sequence, checked_at, received_at) VALUES ($r, $e, $s, $c, $n)
                ON CONFLICT (reporter) DO UPDATE SET epoch = $e, last_sequence = $s, checked_at = $c, received_at = $n
                """, ("$r", reporter), ("$e", report.Epoch), ("$s", (long)report.Sequence), ("$c", checkedAt), ("$n", now));
            foreach (var item in report.Items)
            {
                Sql.Execute(_db, """
                    INSERT INTO drift_items (id, reporter, node, kind, subject, correctable, first_seen, last_seen, closed_at, item)
                    VALUES ($id, $r, $node, $k, $s, $c, $f, $l, NULL, $b)
                    ON CONFLICT (id) DO UPDATE SET reporter = $r, node = $node, correctable = $c, last_seen = $l, item = $b,
                      first_seen = CASE WHEN closed_at IS NULL THEN first_seen ELSE $f END, closed_at = NULL
                    """, ("$id", item.Id), ("$r", reporter), ("$node", item.Node), ("$k", item.Kind.ToString()), ("$s", item.Subject),
                    ("$c", item.Correctable ? 1 : 0), ("$f", Text(item.FirstSeen?.ToDateTimeOffset() ?? _time.GetUtcNow())), ("$l", checkedAt), ("$b", item.ToByteArray()));
            }

            var open = report.Items.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in OpenIds(reporter).Where(id => !open.Contains(id)))
            {
                Sql.Execute(_db, "UPDATE drift_items SET closed_at = $c WHERE id = $id", ("$c", checkedAt), ("$id", id));
            }

            Sql.Execute(_db, "DELETE FROM drift_reports WHERE reporter = $r AND id NOT IN (SELECT id FROM drift_reports WHERE reporter = $r ORDER BY id DESC LIMIT $k)",
                ("$r", reporter), ("$k", ReportsKept));
            tx.Commit();
            return report.Sequence;
        }
    }

    /// <summary>Open items (or every item with <paramref name="includeClosed"/>), by node then id.</summary>
    public IReadOnlyList<StoredDriftItem> Items(bool includeClosed = false)
    {
        lock (_gate)
        {
            using var cmd = Sql.Command(_db, "SELECT item, reporter, last_seen, closed_at FROM drift_items" +
                                             (includeClosed ? string.Empty : " WHERE closed_at IS NULL") + " ORDER BY node, id");
            using var reader = cmd.ExecuteReader();
            var items = new List<StoredDriftItem>();
            while (reader.Read())
            {
                items.Add(new StoredDriftItem(DriftItem.Parser.ParseFrom((byte[])reader[0]), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3)));
            }

            return items;
        }
    }

    /// <summary>Stored report sequences of a reporter, oldest first.</summary>
    public IReadOnlyList<ulong> Sequences(string reporter)
    {
        lock (_gate)
        {
            using var cmd = Sql.Command(_db, "SELECT sequence FROM drift_reports WHERE reporter = $r ORDER BY id", ("$r", reporter));
            using var reader = cmd.ExecuteReader();
            var result = new List<ulong>();
            while (reader.Read())
            {
                result.Add((ulong)reader.GetInt64(0));
            }

            return result;
        }
    }

    private List<string> OpenIds(string reporter)
    {
        using var cmd = Sql.Command(_db, "SELECT id FROM drift_items WHERE reporter = $r AND closed_at IS NULL", ("$r", reporter));
        using var reader = cmd.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public void Dispose() => _db.Dispose();
}
