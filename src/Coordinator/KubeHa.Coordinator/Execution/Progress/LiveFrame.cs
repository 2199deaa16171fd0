using System.Globalization;
using System.Text;

namespace KubeHa.Coordinator.Execution.Progress;

/// <summary>
/// Writes frames of the live view: moves the cursor up over the block drawn last time, clears
/// to the end of the screen, prints the lines that stay (messages, failures), then the new
/// block, every block line cut to the width and the block no taller than the terminal. The
/// cursor is left at the start of the line below the block.
/// </summary>
internal sealed class LiveFrame(TextWriter output, Func<int> width, Func<int> height, bool colour)
{
    private const char Esc = '\u001b';
    private int _drawn;

    public bool Colour => colour;

    /// <summary>Usable columns: one less than the terminal's, so that no line wraps.</summary>
    public int Width => Math.Max(20, SafeSize(width, 80)) - 1;

    public int Height => Math.Max(4, SafeSize(height, 24));

    /// <param name="kept">Lines printed above the block, once; already clean, may be longer than the width.</param>
    /// <param name="header">The block's first line (plain text; a ": FAILED " in it is coloured).</param>
    /// <param name="board">The node lines under it, if a phase is under way.</param>
    public void Draw(IReadOnlyList<string> kept, string header, PhaseBoard? board)
    {
        var usable = Width;
        var frame = new StringBuilder();
        if (_drawn > 0)
        {
            frame.Append('\r').Append(Esc).Append('[').Append(_drawn.ToString(CultureInfo.InvariantCulture)).Append('A');
        }

        frame.Append(Esc).Append("[J");
        foreach (var line in kept)
        {
            frame.Append(line).Append('\n');
        }

        header = ScreenText.Fit(header, usable);
        var block = new List<string> { colour ? header.Replace(": FAILED ", $": {ScreenText.Paint("FAILED", "31;1", true)} ", StringComparison.Ordinal) : header };
        if (board is not null)
        {
            block.AddRange(board.Lines(usable, Height - 2, colour));
        }

        foreach (var line in block)
        {
            frame.Append(line).Append('\n');
        }

        _drawn = block.Count;
        output.Write(frame.ToString());
        output.Flush();
    }

    private static int SafeSize(Func<int> size, int fallback)
    {
        try
        {
            var value = size();
            return value > 0 ? value : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }
}
