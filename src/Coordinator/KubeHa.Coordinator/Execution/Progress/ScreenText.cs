using System.Globalization;
using System.Text;

namespace KubeHa.Coordinator.Execution.Progress;

/// <summary>Text for a terminal: control characters out, lines cut to the width, durations, colours.</summary>
internal static class ScreenText
{
    /// <summary>One line of plain text: control characters (an agent's ESC, tab, newline) become spaces.</summary>
    public static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(char.IsControl(c) ? ' ' : c);
        }

        return sb.ToString();
    }

    /// <summary><paramref name="text"/> cut to <paramref name="width"/> characters, ending in "..." when cut.</summary>
    public static string Fit(string text, int width)
    {
        if (width <= 0)
        {
            return string.Empty;
        }

        return text.Length <= width ? text : width <= 3 ? text[..width] : string.Concat(text.AsSpan(0, width - 3), "...");
    }

    public static string Duration(TimeSpan elapsed)
    {
        var seconds = (long)Math.Max(0, elapsed.TotalSeconds);
        return seconds < 60
            ? string.Create(CultureInfo.InvariantCulture, $"{seconds} s")
            : seconds < 3600
                ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} m {seconds % 60} s")
                : string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600} h {seconds / 60 % 60} m");
    }

    public static string Word(RowState state) => state switch
    {
        RowState.Waiting => "waiting",
        RowState.Running => "running",
        RowState.Ok => "ok",
        RowState.Changed => "changed",
        RowState.Failed => "failed",
        RowState.Skipped => "skipped",
        RowState.RolledBack => "rolled back",
        _ => state.ToString(),
    };

    /// <summary>The SGR colour of a state word: running blue, ok green, changed cyan, failed red, rolled back magenta.</summary>
    public static string? Colour(RowState state) => state switch
    {
        RowState.Running => "34",
        RowState.Ok => "32",
        RowState.Changed => "36",
        RowState.Failed => "31;1",
        RowState.RolledBack => "35",
        _ => null,
    };

    public static string Paint(string text, string? sgr, bool colour) =>
        colour && sgr is not null && text.Length > 0 ? $"\u001b[{sgr}m{text}\u001b[0m" : text;
}
