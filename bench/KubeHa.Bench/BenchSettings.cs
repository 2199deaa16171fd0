using System.Globalization;

namespace KubeHa.Bench;

/// <summary>Options of `run`: which benchmarks, their sizes, and where to write the results.</summary>
internal sealed class BenchSettings
{
    public string WorkDir { get; private set; } = Path.Combine(Path.GetTempPath(), "kubeha-bench");
    public IReadOnlyList<int> Nodes { get; private set; } = [10, 100, 1000];
    public int AnsibleMaxNodes { get; private set; } = 100;
    public int AckSteps { get; private set; } = 10_000;
    public int Concurrency { get; private set; } = 64;
    public int IdleSeconds { get; private set; } = 60;
    public int Starts { get; private set; } = 5;
    public int DriftEdits { get; private set; } = 50;
    public IReadOnlySet<string> Only { get; private set; } = new HashSet<string>(["fanout", "ack", "agent", "drift"], StringComparer.Ordinal);
    public string? JsonOut { get; private set; }
    public string? MarkdownOut { get; private set; }

    public static BenchSettings Parse(string[] args)
    {
        var s = new BenchSettings();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(value, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--work": s.WorkDir = value; break;
                case "--nodes": s.Nodes = value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList(); break;
                case "--ansible-max-nodes": s.AnsibleMaxNodes = Int(); break;
                case "--ack-steps": s.AckSteps = Int(); break;
                case "--concurrency": s.Concurrency = Int(); break;
                case "--idle-seconds": s.IdleSeconds = Int(); break;
                case "--starts": s.Starts = Int(); break;
                case "--drift-edits": s.DriftEdits = Int(); break;
                case "--only": s.Only = value.Split(',').ToHashSet(StringComparer.Ordinal); break;
                case "--json": s.JsonOut = value; break;
                case "--markdown": s.MarkdownOut = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }

            i++;
        }

        return s;
    }
}
