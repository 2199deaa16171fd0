using System.Diagnostics;
using System.Text.Json;

namespace KubeHa.Lab.Tests.Cluster;

/// <summary>Runs lab/kubeha-lab of this checkout; every call has a timeout.</summary>
public static class LabCli
{
    public static string Script { get; } = FindScript();

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Describe(string what) => $"{what}: exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static async Task<Result> RunAsync(TimeSpan timeout, params string[] args) => await RunProgramAsync(Script, timeout, args);

    public static async Task<Result> RunProgramAsync(string program, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>`kubeha-lab exec NODE -- ARGS`.</summary>
    public static Task<Result> ExecAsync(string node, params string[] args) =>
        RunAsync(TimeSpan.FromSeconds(60), ["exec", node, "--", .. args]);

    /// <summary>kubectl from the host (route-checked by kubeha-lab) with -o json.</summary>
    public static async Task<JsonDocument> KubectlJsonAsync(params string[] args)
    {
        var result = await RunAsync(TimeSpan.FromSeconds(60), ["kubectl", .. args, "-o", "json"]);
        Assert.True(result.ExitCode == 0, result.Describe("kubectl " + string.Join(' ', args)));
        return JsonDocument.Parse(result.Stdout);
    }

    /// <summary>Node name to the status of its Ready condition, as the API server reports it.</summary>
    public static async Task<Dictionary<string, string>> NodeReadinessAsync()
    {
        using var nodes = await KubectlJsonAsync("get", "nodes");
        var ready = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in nodes.RootElement.GetProperty("items").EnumerateArray())
        {
            var name = node.GetProperty("metadata").GetProperty("name").GetString()!;
            var status = "unset";
            if (node.TryGetProperty("status", out var s) && s.TryGetProperty("conditions", out var conditions))
            {
                foreach (var c in conditions.EnumerateArray().Where(c => c.GetProperty("type").GetString() == "Ready"))
                {
                    status = c.GetProperty("status").GetString()!;
                }
            }

            ready[name] = status;
        }

        return ready;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> and the last state.</summary>
    public static async Task EventuallyAsync(string what, TimeSpan timeout, Func<Task<(bool Ok, string State)>> condition)
    {
        var watch = Stopwatch.StartNew();
        var last = "never evaluated";
        while (watch.Elapsed < timeout)
        {
            try
            {
                var (ok, state) = await condition();
                last = state;
                if (ok)
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e.Message;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Fail($"{what}: not within {timeout.TotalSeconds:0} s; last state: {last}");
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "lab", "kubeha-lab");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"lab/kubeha-lab not found above {AppContext.BaseDirectory}");
    }
}
