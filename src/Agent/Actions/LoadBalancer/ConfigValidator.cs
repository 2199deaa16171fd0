using System.Diagnostics;
using System.Text;
using KubeHa.Common.Files;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>
/// Checks a candidate configuration with the real program (<c>nginx -t -c</c>,
/// <c>haproxy -c -f</c>, <c>keepalived -t -f</c>) before it may replace the live file. The
/// candidate is written to a private temporary directory (0700); the program runs with a
/// fixed argument vector, never through a shell.
/// </summary>
internal sealed class ConfigValidator(string program, Func<string, IReadOnlyList<string>> arguments)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string Program { get; } = program;

    public static ConfigValidator Nginx(string program = "/usr/sbin/nginx") => new(program, file => ["-t", "-q", "-c", file]);

    public static ConfigValidator Haproxy(string program = "/usr/sbin/haproxy") => new(program, file => ["-c", "-f", file]);

    public static ConfigValidator Keepalived(string program = "/usr/sbin/keepalived") => new(program, file => ["-t", "-f", file]);

    /// <param name="fileName">Name of the candidate file (as the live one).</param>
    /// <param name="label">Replaces the temporary path in the program's messages.</param>
    public async Task<ConfigValidation> ValidateAsync(string fileName, string content, string label, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!File.Exists(Program))
        {
            return new ConfigValidation(false, $"{Program} not found; cannot validate the configuration");
        }

        var dir = Directory.CreateTempSubdirectory("kubeha-validate-");
        try
        {
            var candidate = Path.Combine(dir.FullName, fileName);
            AtomicFile.WriteAllText(candidate, content, AtomicFile.PrivateMode);
            var start = new ProcessStartInfo(Program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = dir.FullName,
            };
            foreach (var argument in arguments(candidate))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new IOException($"{Program}: could not start");
            using var timeout = new CancellationTokenSource(Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(linked.Token);
            var stderr = process.StandardError.ReadToEndAsync(linked.Token);
            try
            {
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return new ConfigValidation(false, $"{Program} did not finish within {Timeout.TotalSeconds:0} s");
            }

            var output = new StringBuilder()
                .Append(await stdout.ConfigureAwait(false))
                .Append(await stderr.ConfigureAwait(false))
                .ToString()
                .Replace(candidate, label, StringComparison.Ordinal);
            output = string.Join('\n', output.Split('\n').Where(l => !l.Contains("[NOTICE]", StringComparison.Ordinal))).Trim();
            return new ConfigValidation(process.ExitCode == 0, output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

internal sealed record ConfigValidation(bool Ok, string Output);
