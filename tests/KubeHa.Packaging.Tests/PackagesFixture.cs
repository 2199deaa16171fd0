using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

/// <summary>
/// Builds the packages once for the whole project with the real command (scripts/package.sh):
/// both packages in both formats at the repository's version, and kubeha-agent's .deb again at
/// a higher version for the upgrade test. Self-contained publishing is the slow part, so the
/// second build publishes only the agent. Set KUBEHA_PKG_TEST_REUSE=1 to reuse the packages a
/// previous run left in artifacts/pkg-test (for working on the tests only).
/// </summary>
public sealed partial class PackagesFixture
{
    private readonly List<string> _timings = [];

    public PackagesFixture()
    {
        Dir = Path.Combine(RepoPaths.Root, "artifacts", "pkg-test");
        var props = File.ReadAllText(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        Version = VersionPrefix().Match(props).Groups[1].Value;
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

            Build($"both packages {Version}", "--out", Path.Combine(Dir, "v1"));
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
    public string AgentDeb => Path.Combine(Dir, "v1", $"kubeha-agent_{Version}_amd64.deb");
    public string AgentRpm => Path.Combine(Dir, "v1", $"kubeha-agent-{Version}-1.x86_64.rpm");
    public string CliDeb => Path.Combine(Dir, "v1", $"kubeha_{Version}_amd64.deb");
    public string CliRpm => Path.Combine(Dir, "v1", $"kubeha-{Version}-1.x86_64.rpm");
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

    [GeneratedRegex("<VersionPrefix>([0-9.]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();
}
