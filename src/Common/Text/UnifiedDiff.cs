using System.Text;

namespace KubeHa.Common.Text;

/// <summary>
/// Line-based unified diff (as `diff -u`) from a longest-common-subsequence alignment.
/// Inputs are configuration files: small enough for the quadratic table; very large inputs
/// fall back to a whole-file replacement hunk.
/// </summary>
public static class UnifiedDiff
{
    private const long MaxCells = 16_000_000;

    public static string Create(string? before, string? after, string path, int context = 3)
    {
        var a = SplitLines(before);
        var b = SplitLines(after);
        if (a.SequenceEqual(b))
        {
            return string.Empty;
        }

        var ops = Align(a, b);
        var sb = new StringBuilder();
        sb.Append("--- ").Append(before is null ? "/dev/null" : "a" + path).Append('\n');
        sb.Append("+++ ").Append(after is null ? "/dev/null" : "b" + path).Append('\n');

        var i = 0;
        while (i < ops.Count)
        {
            if (ops[i].Kind == ' ')
            {
                i++;
                continue;
            }

            var start = Math.Max(0, i - context);
            var end = i;
            // Extend the hunk while changes are within 2*context lines of each other.
            while (end < ops.Count)
            {
                if (ops[end].Kind != ' ')
                {
                    end++;
                    continue;
                }

                var run = end;
                while (run < ops.Count && ops[run].Kind == ' ')
                {
                    run++;
                }

                if (run == ops.Count || run - end > 2 * context)
                {
                    end = Math.Min(ops.Count, end + context);
                    break;
                }

                end = run;
            }

            WriteHunk(sb, ops, start, end);
            i = end;
        }

        return sb.ToString();
    }

    private static void WriteHunk(StringBuilder sb, List<Op> ops, int start, int end)
    {
        var aStart = ops[start].A;
        var bStart = ops[start].B;
        var aLen = ops.Skip(start).Take(end - start).Count(o => o.Kind != '+');
        var bLen = ops.Skip(start).Take(end - start).Count(o => o.Kind != '-');
        sb.Append("@@ -").Append(aLen == 0 ? aStart : aStart + 1).Append(',').Append(aLen)
          .Append(" +").Append(bLen == 0 ? bStart : bStart + 1).Append(',').Append(bLen).Append(" @@\n");
        for (var k = start; k < end; k++)
        {
            sb.Append(ops[k].Kind).Append(ops[k].Text).Append('\n');
        }
    }

    private readonly record struct Op(char Kind, string Text, int A, int B);

    private static List<Op> Align(string[] a, string[] b)
    {
        // Trim common prefix and suffix first: typical edits touch a few lines.
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }

        var n = a.Length - prefix - suffix;
        var m = b.Length - prefix - suffix;
        var ops = new List<Op>(a.Length + b.Length);
        for (var k = 0; k < prefix; k++)
        {
            ops.Add(new Op(' ', a[k], k, k));
        }

        if ((long)(n + 1) * (m + 1) > MaxCells)
        {
            for (var k = 0; k < n; k++)
            {
                ops.Add(new Op('-', a[prefix + k], prefix + k, prefix));
            }

            for (var k = 0; k < m; k++)
            {
                ops.Add(new Op('+', b[prefix + k], prefix + n, prefix + k));
            }
        }
        else
        {
            var lcs = new int[n + 1, m + 1];
            for (var x = n - 1; x >= 0; x--)
            {
                for (var y = m - 1; y >= 0; y--)
                {
                    lcs[x, y] = a[prefix + x] == b[prefix + y] ? lcs[x + 1, y + 1] + 1 : Math.Max(lcs[x + 1, y], lcs[x, y + 1]);
                }
            }

            int i = 0, j = 0;
            while (i < n || j < m)
            {
                if (i < n && j < m && a[prefix + i] == b[prefix + j])
                {
                    ops.Add(new Op(' ', a[prefix + i], prefix + i, prefix + j));
                    i++;
                    j++;
                }
                else if (j < m && (i == n || lcs[i, j + 1] >= lcs[i + 1, j]))
                {
                    ops.Add(new Op('+', b[prefix + j], prefix + i, prefix + j));
                    j++;
                }
                else
                {
                    ops.Add(new Op('-', a[prefix + i], prefix + i, prefix + j));
                    i++;
                }
            }
        }

        for (var k = 0; k < suffix; k++)
        {
            var ai = a.Length - suffix + k;
            var bi = b.Length - suffix + k;
            ops.Add(new Op(' ', a[ai], ai, bi));
        }

        return ops;
    }

    private static string[] SplitLines(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var lines = text.Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }
}
