using System.Diagnostics;
using System.Globalization;

namespace KubeHa.TestSupport.Lab;

/// <summary>
/// The kubeha-agent .deb the end-to-end lab installs into its nodes, as users install it:
/// kubeha-agent_VERSION_amd64.deb in KUBEHA_PACKAGES_DIR (default artifacts/packages), used when
/// it is newer than the built agent (scripts/test.sh's package phase makes it), and built there
/// first by the real scripts/package.sh when missing or older.
/// </summary>
public static class LabPackages
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string PackagesDir =>
        Environment.GetEnvironmentVariable("KUBEHA_PACKAGES_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoPaths.Root, "artifacts", "packages");

    public static string DefaultAgentDeb => Path.Combine(PackagesDir, $"kubeha-agent_{RepoPaths.Version}_amd64.deb");

    /// <summary>The package's path, building it when needed; <paramref name="log"/> hears what was done and how long it took.</summary>
    public static async Task<string> AgentDebAsync(Action<string> log)
    {
        await Gate.WaitAsync();
        try
        {
            var deb = DefaultAgentDeb;
            var built = File.Exists(RepoPaths.AgentDll) ? File.GetLastWriteTimeUtc(RepoPaths.AgentDll) : DateTime.MaxValue;
            if (File.Exists(deb) && File.GetLastWriteTimeUtc(deb) >= built)
            {
                log($"kubeha-agent package: {deb} (newer than the built agent)");
                return deb;
            }

            var watch = Stopwatch.StartNew();
            var result = await LabCli.RunProgramAsync(Path.Combine(RepoPaths.Root, "scripts", "package.sh"), TimeSpan.FromMinutes(15),
                "--only", "agent", "--format", "deb", "--out", PackagesDir);
            if (result.ExitCode != 0 || !File.Exists(deb))
            {
                throw new InvalidOperationException(result.Describe($"scripts/package.sh --only agent --format deb (expected {deb})"));
            }

            log(string.Create(CultureInfo.InvariantCulture, $"kubeha-agent package: built {deb} in {watch.Elapsed.TotalSeconds:0} s"));
            return deb;
        }
        finally
        {
            Gate.Release();
        }
    }
}
