using System.Diagnostics;

namespace KubeHa.Packaging.Tests.Support;

/// <summary>Runs a program (never through a shell) and returns its exit code and output.</summary>
internal static class Cmd
{
    public sealed record Result(string CommandLine, int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"{CommandLine}: exit {ExitCode}\n{StdOut}\n{StdErr}";
    }

    public static Result Run(string program, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = KubeHa.TestSupport.RepoPaths.Root,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var line = program + " " + string.Join(' ', args);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {line}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{line}: did not finish within {(timeout ?? TimeSpan.FromMinutes(2)).TotalSeconds} s");
        }

        return new Result(line, process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    public static Result Run(string program, params string[] args) => Run(program, (IEnumerable<string>)args);

    /// <summary>Runs and fails the test unless the program exits 0.</summary>
    public static Result Ok(string program, params string[] args) => Ok(program, args, null);

    public static Result Ok(string program, IEnumerable<string> args, IDictionary<string, string>? env, TimeSpan? timeout = null)
    {
        var result = Run(program, args, env, timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
