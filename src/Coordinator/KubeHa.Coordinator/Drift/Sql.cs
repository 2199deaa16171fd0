using Microsoft.Data.Sqlite;

namespace KubeHa.Coordinator.Drift;

/// <summary>Parameterized commands on a SQLite connection.</summary>
internal static class Sql
{
    public static void Execute(SqliteConnection db, string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = Command(db, sql, parameters);
        cmd.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection db, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = db.CreateCommand();
#pragma warning disable CA2100 // SQL text is constant; values are always parameters.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return cmd;
    }
}
