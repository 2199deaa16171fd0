using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace KubeHa.TestSupport.Lab;

/// <summary>
/// Runs lab/kubeha-lab of this checkout for one lab instance; every call has a timeout.
/// Which lab: <see cref="Id"/>, from KUBEHA_LAB_ID (default 0). Labs with different ids coexist
/// (bridge kubehabrID, subnet 10.77.ID.0/24, root /var/lib/kubeha-lab[-ID]), so a test project
/// can set its own id in a module initializer and run beside another project's lab.
/// </summary>
public static class LabCli
{
    public static string Script { get; } = FindScript();

    public static int Id { get; set; } = ParseId(Environment.GetEnvironmentVariable("KUBEHA_LAB_ID"));

    /// <summary>The lab's state directory on the host.</summary>
    public static string Root => Id == 0 ? "/var/lib/kubeha-lab" : $"/var/lib/kubeha-lab-{Id}";

    /// <summary>The lab's run directory (holds the nodes' namespace files).</summary>
    public static string RunDir => Id == 0 ? "/run/kubeha-lab" : $"/run/kubeha-lab-{Id}";

    /// <summary>The admin kubeconfig `up` writes.</summary>
    public static string AdminConf => Path.Combine(Root, "admin.conf");

    /// <summary>The host's address on the lab bridge.</summary>
    public static string BridgeIp => Ip(1);

    /// <summary>Address .<paramref name="host"/> of the lab subnet (master-1 is .11, then .12, ...).</summary>
    public static string Ip(int host) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"10.77.{Id}.{host}");

    /// <summary>The directory of node <paramref name="node"/> on the host.</summary>
    public static string NodeDir(string node) => Path.Combine(Root, "nodes", node);

    /// <summary>Prefix of the lab's network namespaces (`ip netns`).</summary>
    public static string NetnsPrefix => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"kubeha{Id}-");

    private static int ParseId(string? value) =>
        string.IsNullOrEmpty(value) ? 0
        : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id is >= 0 and <= 9 ? id
        : throw new InvalidOperationException($"KUBEHA_LAB_ID must be one digit 0-9, not '{value}'");

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
        psi.Environment["KUBEHA_LAB_ID"] = Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
