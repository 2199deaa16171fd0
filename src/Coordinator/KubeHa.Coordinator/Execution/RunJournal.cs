using System.Globalization;
using Google.Protobuf;
using KubeHa.Protos.Coordinator.V1;
using Microsoft.Data.Sqlite;

namespace KubeHa.Coordinator.Execution;

/// <summary>
/// Durable journal of runs (SQLite under the state directory, WAL, synchronous FULL). Every
/// transition is written before the coordinator acts on it, so a crashed run resumes from
/// here without repeating a completed step.
/// </summary>
public sealed class RunJournal : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public RunJournal(string stateDir, TimeProvider time)
    {
        _time = time;
        Directory.CreateDirectory(stateDir);
        Path = System.IO.Path.Combine(stateDir, "journal.db");
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        _db.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
        Execute("""
            CREATE TABLE IF NOT EXISTS runs (
              run_id TEXT PRIMARY KEY, cluster TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
              message TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL, plan BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS steps (
              run_id TEXT NOT NULL, step_id TEXT NOT NULL, phase TEXT NOT NULL, node TEXT NOT NULL,
              state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', changed INTEGER NOT NULL DEFAULT 0,
              attempt INTEGER NOT NULL DEFAULT 1,
              updated_at TEXT NOT NULL, PRIMARY KEY (run_id, step_id));
            CREATE TABLE IF NOT EXISTS events (
              id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, step_id TEXT NOT NULL,
              at TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
            """);
    }

    public string Path { get; }

    /// <summary>Records a new run and its whole plan; every step starts Pending.</summary>
    public void CreateRun(Plan plan, string kind)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            var now = Now();
            Execute("INSERT INTO runs (run_id, cluster, kind, status, created_at, updated_at, plan) VALUES ($r, $c, $k, $s, $t, $t, $p)",
                ("$r", plan.RunId), ("$c", plan.Cluster), ("$k", kind), ("$s", RunStatus.Running.ToString()), ("$t", now), ("$p", plan.ToByteArray()));
            foreach (var phase in plan.Phases)
            {
                foreach (var step in phase.Steps)
                {
                    Execute("INSERT INTO steps (run_id, step_id, phase, node, state, updated_at) VALUES ($r, $s, $ph, $n, $st, $t)",
                        ("$r", plan.RunId), ("$s", step.Id), ("$ph", phase.Name), ("$n", step.Node), ("$st", StepState.Pending.ToString()), ("$t", now));
                }
            }

            tx.Commit();
        }
    }

    public Plan? LoadPlan(string runId)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT plan FROM runs WHERE run_id = $r", ("$r", runId));
            return cmd.ExecuteScalar() is byte[] bytes ? Plan.Parser.ParseFrom(bytes) : null;
        }
    }

    public void SetStep(string runId, string stepId, StepState state, string reason = "", bool changed = false, string? eventDetail = null)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            var now = Now();
            Execute("UPDATE steps SET state = $st, reason = $re, changed = $ch, updated_at = $t WHERE run_id = $r AND step_id = $s",
                ("$st", state.ToString()), ("$re", reason), ("$ch", changed ? 1 : 0), ("$t", now), ("$r", runId), ("$s", stepId));
            Execute("INSERT INTO events (run_id, step_id, at, kind, detail) VALUES ($r, $s, $t, $k, $d)",
                ("$r", runId), ("$s", stepId), ("$t", now), ("$k", state.ToString()), ("$d", eventDetail ?? reason));
            tx.Commit();
        }
    }

    /// <summary>Starts a new attempt of a step that failed or was rolled back.</summary>
    public void NextAttempt(string runId, string stepId)
    {
        lock (_gate)
        {
            Execute("UPDATE steps SET attempt = attempt + 1, state = $st, updated_at = $t WHERE run_id = $r AND step_id = $s",
                ("$st", StepState.Pending.ToString()), ("$t", Now()), ("$r", runId), ("$s", stepId));
        }
    }

    public void AddEvent(string runId, string stepId, string kind, string detail)
    {
        lock (_gate)
        {
            Execute("INSERT INTO events (run_id, step_id, at, kind, detail) VALUES ($r, $s, $t, $k, $d)",
                ("$r", runId), ("$s", stepId), ("$t", Now()), ("$k", kind), ("$d", detail));
        }
    }

    public void SetRun(string runId, RunStatus status, string message)
    {
        lock (_gate)
        {
            Execute("UPDATE runs SET status = $s, message = $m, updated_at = $t WHERE run_id = $r",
                ("$s", status.ToString()), ("$m", message), ("$t", Now()), ("$r", runId));
        }
    }

    public IReadOnlyDictionary<string, StepRecord> Steps(string runId)
    {
        lock (_gate)
        {
            using var cmd = Command(StepColumns + " WHERE run_id = $r", ("$r", runId));
            return ReadSteps(cmd).ToDictionary(r => r.StepId, StringComparer.Ordinal);
        }
    }

    /// <summary>One step's record (an indexed lookup: a wave of N steps must not read N x N rows).</summary>
    public StepRecord Step(string runId, string stepId)
    {
        lock (_gate)
        {
            using var cmd = Command(StepColumns + " WHERE run_id = $r AND step_id = $s", ("$r", runId), ("$s", stepId));
            return ReadSteps(cmd).SingleOrDefault() ?? throw new KeyNotFoundException($"run {runId} has no step {stepId} in the journal {Path}");
        }
    }

    public IReadOnlyList<RunRecord> Runs()
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT run_id, cluster, kind, status, message, created_at, updated_at FROM runs ORDER BY created_at, run_id");
            using var reader = cmd.ExecuteReader();
            var result = new List<RunRecord>();
            while (reader.Read())
            {
                result.Add(new RunRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    Enum.Parse<RunStatus>(reader.GetString(3)), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
            }

            return result;
        }
    }

    public IReadOnlyList<(string StepId, string Kind, string At)> Events(string runId)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT step_id, kind, at FROM events WHERE run_id = $r ORDER BY id", ("$r", runId));
            using var reader = cmd.ExecuteReader();
            var result = new List<(string, string, string)>();
            while (reader.Read())
            {
                result.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return result;
        }
    }

    private const string StepColumns = "SELECT step_id, phase, node, state, reason, changed, updated_at, attempt FROM steps";

    private static List<StepRecord> ReadSteps(SqliteCommand cmd)
    {
        using var reader = cmd.ExecuteReader();
        var result = new List<StepRecord>();
        while (reader.Read())
        {
            result.Add(new StepRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                Enum.Parse<StepState>(reader.GetString(3)), reader.GetString(4), reader.GetInt32(5) != 0, reader.GetString(6), reader.GetInt32(7)));
        }

        return result;
    }

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = _db.CreateCommand();
#pragma warning disable CA2100 // SQL text is constant; values are always parameters.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return cmd;
    }

    public void Dispose() => _db.Dispose();
}

public sealed record StepRecord(string StepId, string Phase, string Node, StepState State, string Reason, bool Changed, string UpdatedAt, int Attempt)
{
    /// <summary>The id the agent sees: a step re-run after a rollback gets a new attempt, so the agent executes it again.</summary>
    public string AgentStepId => $"{StepId}.a{Attempt}";
}

public sealed record RunRecord(string RunId, string Cluster, string Kind, RunStatus Status, string Message, string CreatedAt, string UpdatedAt);
