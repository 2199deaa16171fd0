using System.Text;
using System.Text.RegularExpressions;

namespace KubeHa.Coordinator.Tests.Execution.Progress;

/// <summary>
/// Just enough of a terminal to replay what the live view wrote: text, CR, LF, cursor up
/// (CSI n A), erase to end of screen (CSI J) and of line (CSI K); colours (CSI ... m) are dropped.
/// Any other escape fails the test, so the view cannot emit sequences this replay ignores.
/// </summary>
internal static partial class AnsiScreen
{
    /// <summary>The text without its ANSI escape sequences.</summary>
    public static string Strip(string text) => Csi().Replace(text, string.Empty);

    /// <summary>The lines on screen after <paramref name="output"/> was written to an empty terminal (trailing empty lines dropped).</summary>
    public static IReadOnlyList<string> Replay(string output)
    {
        var lines = new List<StringBuilder> { new() };
        int row = 0, col = 0;
        for (var i = 0; i < output.Length; i++)
        {
            var c = output[i];
            if (c == '\u001b')
            {
                var m = Csi().Match(output, i);
                Assert.True(m.Success && m.Index == i, $"not a CSI sequence at {i}: {output[i..Math.Min(output.Length, i + 10)]}");
                var n = m.Groups[1].Value.Length == 0 || m.Groups[1].Value.Contains(';', StringComparison.Ordinal) ? 1 : int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                switch (m.Groups[2].Value)
                {
                    case "A":
                        Assert.True(row - n >= 0, "cursor moved above the first line");
                        row -= n;
                        break;
                    case "J":
                        lines[row].Length = Math.Min(lines[row].Length, col);
                        lines.RemoveRange(row + 1, lines.Count - row - 1);
                        break;
                    case "K":
                        lines[row].Length = Math.Min(lines[row].Length, col);
                        break;
                    case "m":
                        break;
                    default:
                        Assert.Fail($"unexpected escape {m.Value}");
                        break;
                }

                i += m.Length - 1;
            }
            else if (c == '\n')
            {
                row++;
                col = 0;
                while (lines.Count <= row)
                {
                    lines.Add(new StringBuilder());
                }
            }
            else if (c == '\r')
            {
                col = 0;
            }
            else
            {
                var line = lines[row];
                if (col < line.Length)
                {
                    line[col] = c;
                }
                else
                {
                    line.Append(' ', col - line.Length).Append(c);
                }

                col++;
            }
        }

        var result = lines.Select(l => l.ToString()).ToList();
        while (result.Count > 0 && result[^1].Length == 0)
        {
            result.RemoveAt(result.Count - 1);
        }

        return result;
    }

    [GeneratedRegex(@"\u001b\[([0-9;?]*)([@-~])")]
    private static partial Regex Csi();
}
