using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KubeHa.Coordinator.Drift;

namespace KubeHa.Cli.Commands;

/// <summary>`kubeha drift`: open drift across the cluster, from the state store `kubeha serve` fills; `--fix` corrects it.</summary>
internal static class DriftCommand
{
    public static Command Create(Func<CliContext> context)
    {
        var output = InventoryArgs.Output();
        var all = new Option<bool>("--all") { Description = "Include closed items" };
        var fix = new Option<bool>("--fix") { Description = "Build a corrective plan from the recorded desired state, show its dry run, then run it (needs -f)" };
        var file = new Option<string>("--file", "-f") { Description = "Inventory (cluster.yaml), for --fix" };
        var yes = new Option<bool>("--yes", "-y") { Description = "With --fix: do not ask for confirmation" };
        var progress = InventoryArgs.Progress();
        var cmd = new Command("drift", "List open drift reported by the agents and the cluster checks, with diffs; --fix puts it back") { output, all, fix, file, yes, progress };
        cmd.SetAction(async (parse, ct) =>
        {
            var ctx = context();
            using var store = new DriftStore(ctx.StateDir, ctx.Time);
            if (parse.GetValue(fix))
            {
                return await DriftFix.RunAsync(ctx, store, parse.GetValue(file), parse.GetValue(yes), parse.GetValue(progress), ct).ConfigureAwait(false);
            }

            var items = store.Items(parse.GetValue(all));
            if (parse.GetValue(output) == "json")
            {
                ctx.Out.WriteLine(Json(items));
            }
            else
            {
                Table(ctx.Out, items);
            }

            return ExitCodes.Success;
        });
        return cmd;
    }

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 3)] + "...";

    private static void Table(TextWriter output, IReadOnlyList<StoredDriftItem> items)
    {
        if (items.Count == 0)
        {
            output.WriteLine("no open drift");
            return;
        }

        output.WriteLine($"{"NODE",-14} {"KIND",-20} {"SUBJECT",-44} {"EXPECTED",-30} {"ACTUAL",-30} {"FIRST SEEN",-20} FIX");
        foreach (var s in items)
        {
            var i = s.Item;
            var seen = i.FirstSeen?.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-";
            output.WriteLine($"{i.Node,-14} {ClusterRules.KindName(i.Kind),-20} {Cut(i.Subject, 44),-44} {Cut(i.Expected, 30),-30} {Cut(i.Actual, 30),-30} {seen,-20} " +
                             $"{(i.Correctable ? "yes" : "no")}{(s.ClosedAt is null ? string.Empty : $" (closed {s.ClosedAt})")}");
            foreach (var line in i.UnifiedDiff.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                output.WriteLine("    " + line);
            }
        }
    }

    private static string Json(IReadOnlyList<StoredDriftItem> items)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var s in items)
            {
                var i = s.Item;
                w.WriteStartObject();
                w.WriteString("id", i.Id);
                w.WriteString("node", i.Node);
                w.WriteString("kind", ClusterRules.KindName(i.Kind));
                w.WriteString("subject", i.Subject);
                w.WriteString("expected", i.Expected);
                w.WriteString("actual", i.Actual);
                w.WriteString("first_seen", i.FirstSeen?.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture) ?? string.Empty);
                w.WriteString("last_seen", s.LastSeen);
                if (s.ClosedAt is not null)
                {
                    w.WriteString("closed_at", s.ClosedAt);
                }

                w.WriteBoolean("correctable", i.Correctable);
                w.WriteString("source", i.Source);
                w.WriteString("reporter", s.Reporter);
                w.WriteString("diff", i.UnifiedDiff);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
