using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeHa.TestSupport.Lab;

/// <summary>
/// The kubeha-agent .deb the end-to-end lab installs into its nodes: what users install, built by
/// the real scripts/package.sh. KUBEHA_AGENT_DEB names a package to use as is; otherwise
/// kubeha-agent_VERSION_amd64.deb in KUBEHA_PACKAGES_DIR (default artifacts/packages) is used
/// when it is newer than the built agent (scripts/test.sh's package phase makes it), and built
/// there first when missing or older.
/// </summary>
public static partial class LabPackages
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The repository's version (VersionPrefix in Directory.Build.props).</summary>
    public static string Version { get; } =
        VersionPrefix().Match(File.ReadAllText(Path.Combine(RepoPaths.Root, "Directory.Build.props"))).Groups[1].Value;

    public static string PackagesDir =>
        Environment.GetEnvironmentVariable("KUBEHA_PACKAGES_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoPaths.Root, "artifacts", "packages");

    public static string DefaultAgentDeb => Path.Combine(PackagesDir, $"kubeha-agent_{Version}_amd64.deb");

    /// <summary>The package's path, building it when needed; <paramref name="log"/> hears what was done and how long it took.</summary>
    public static async Task<string> AgentDebAsync(Action<string> log)
    {
        var given = Environment.GetEnvironmentVariable("KUBEHA_AGENT_DEB");
        if (!string.IsNullOrEmpty(given))
        {
            log($"kubeha-agent package: {given} (KUBEHA_AGENT_DEB)");
            return File.Exists(given) ? given : throw new FileNotFoundException($"KUBEHA_AGENT_DEB names {given}, which does not exist", given);
        }

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

    [GeneratedRegex("<VersionPrefix>([0-9.]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();
}
