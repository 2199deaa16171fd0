using System.Diagnostics;
using System.Globalization;
using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

/// <summary>
/// Builds the packages once for the whole project with the real command (scripts/package.sh):
/// both packages in both formats at the repository's version, and kubeha-agent's .deb again at
/// a higher version for the upgrade test. Self-contained publishing is the slow part, so the
/// second build publishes only the agent. When KUBEHA_PACKAGES_DIR names a directory holding
/// the four packages at the repository's version (scripts/test.sh's package phase builds them
/// with the same command into artifacts/packages, and the end-to-end lab installs its agent
/// .deb from there), those are tested instead of building them again. Set
/// KUBEHA_PKG_TEST_REUSE=1 to reuse the packages a previous run left in artifacts/pkg-test (for
/// working on the tests only).
/// </summary>
public sealed class PackagesFixture
{
    private readonly List<string> _timings = [];

    public PackagesFixture()
    {
        Dir = Path.Combine(RepoPaths.Root, "artifacts", "pkg-test");
        V1Dir = Path.Combine(Dir, "v1");
        Version = RepoPaths.Version;
        var parts = Version.Split('.');
        parts[^1] = (int.Parse(parts[^1], CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        NextVersion = string.Join('.', parts);

        var reuse = Environment.GetEnvironmentVariable("KUBEHA_PKG_TEST_REUSE") == "1"
            && File.Exists(AgentDeb) && File.Exists(AgentRpm) && File.Exists(CliDeb) && File.Exists(CliRpm) && File.Exists(AgentDebNext);
        if (!reuse)
        {
            if (Directory.Exists(Dir))
            {
                Directory.Delete(Dir, recursive: true);
            }

            var prebuilt = Environment.GetEnvironmentVariable("KUBEHA_PACKAGES_DIR");
            if (!string.IsNullOrEmpty(prebuilt) && V1Names.All(n => File.Exists(Path.Combine(prebuilt, n))))
            {
                V1Dir = Path.GetFullPath(prebuilt);
                _timings.Add($"both packages {Version}: built by scripts/package.sh into {V1Dir} before the tests (KUBEHA_PACKAGES_DIR)");
            }
            else
            {
                Build($"both packages {Version}", "--out", V1Dir);
            }

            Build($"kubeha-agent .deb {NextVersion}", "--only", "agent", "--format", "deb", "--version", NextVersion, "--out", Path.Combine(Dir, "v2"));
        }
        else
        {
            _timings.Add("reused the packages of a previous run (KUBEHA_PKG_TEST_REUSE=1)");
        }
    }

    public string Dir { get; }
    public string Version { get; }
    public string NextVersion { get; }

    /// <summary>Where the packages at <see cref="Version"/> are.</summary>
    public string V1Dir { get; }

    public string AgentDeb => Path.Combine(V1Dir, V1Names[0]);
    public string AgentRpm => Path.Combine(V1Dir, V1Names[1]);
    public string CliDeb => Path.Combine(V1Dir, V1Names[2]);
    public string CliRpm => Path.Combine(V1Dir, V1Names[3]);
    private string[] V1Names => [$"kubeha-agent_{Version}_amd64.deb", $"kubeha-agent-{Version}-1.x86_64.rpm", $"kubeha_{Version}_amd64.deb", $"kubeha-{Version}-1.x86_64.rpm"];

    public string AgentDebNext => Path.Combine(Dir, "v2", $"kubeha-agent_{NextVersion}_amd64.deb");
    public IEnumerable<string> Debs => [AgentDeb, CliDeb];

    /// <summary>How long each build took, with package.sh's own per-part times.</summary>
    public IReadOnlyList<string> Timings => _timings;

    private void Build(string what, params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var result = Cmd.Run(Path.Combine(RepoPaths.Root, "scripts", "package.sh"), args, timeout: TimeSpan.FromMinutes(20));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/package.sh failed building {what}:\n{result}");
        }

        _timings.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: {watch.Elapsed.TotalSeconds:0} s"));
        _timings.AddRange(result.StdErr.Split('\n').Where(l => l.Contains(": ", StringComparison.Ordinal) && l.Contains(" s", StringComparison.Ordinal)).Select(l => "  " + l.Trim()));
    }
}
