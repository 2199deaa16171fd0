using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KubeHa.Bench;

/// <summary>Collected figures, printed as JSON and as a Markdown table.</summary>
internal sealed class Report
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly List<(string Section, string Name, double Value, string Unit)> _figures = [];
    private readonly List<string> _notes = [];

    public void Add(string section, string name, double value, string unit)
    {
        lock (_figures)
        {
            _figures.Add((section, name, value, unit));
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench: {section}.{name} = {value:F2} {unit}"));
    }

    public double Get(string section, string name) => _figures.Single(f => f.Section == section && f.Name == name).Value;

    public void Note(string text)
    {
        _notes.Add(text);
        Console.Error.WriteLine("bench: note: " + text);
    }

    public string Json(IReadOnlyDictionary<string, string> settings)
    {
        var doc = new Dictionary<string, object>
        {
            ["settings"] = settings,
            ["figures"] = _figures.Select(f => new Dictionary<string, object>
            {
                ["section"] = f.Section,
                ["name"] = f.Name,
                ["value"] = Math.Round(f.Value, 3),
                ["unit"] = f.Unit,
            }).ToList(),
            ["notes"] = _notes,
        };
        return JsonSerializer.Serialize(doc, Indented);
    }

    public string Markdown()
    {
        var md = new StringBuilder("| section | figure | value | unit |\n|---|---|---:|---|\n");
        foreach (var f in _figures)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {f.Section} | {f.Name} | {f.Value:F2} | {f.Unit} |\n");
        }

        foreach (var n in _notes)
        {
            md.Append("\n- ").Append(n);
        }

        return md.ToString();
    }
}
