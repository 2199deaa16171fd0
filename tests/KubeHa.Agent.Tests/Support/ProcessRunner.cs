using System.Diagnostics;

namespace KubeHa.Agent.Tests.Support;

/// <summary>Runs a program to completion and returns its exit code and output.</summary>
internal static class ProcessRunner
{
    public sealed record Output(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit {ExitCode}\n{StdOut}\n{StdErr}";
    }

    /// <summary>Runs a program synchronously and fails the test unless it exits 0.</summary>
    public static void RunChecked(string program, params string[] args)
    {
        var output = RunAsync(program, args).GetAwaiter().GetResult();
        Assert.True(output.ExitCode == 0, $"{program} {string.Join(' ', args)}: {output.StdErr}");
    }

    public static async Task<Output> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Output(process.ExitCode, await stdout, await stderr);
    }
}
