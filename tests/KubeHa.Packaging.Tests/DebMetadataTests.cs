using System.Text.RegularExpressions;
using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed partial class DebMetadataTests(PackagesFixture packages)
{
    [Fact]
    public void AgentDeb_Info_NamesVersionArchitectureDependenciesAndConffile()
    {
        var info = Cmd.Ok("dpkg-deb", "--info", packages.AgentDeb).StdOut;

        Assert.Contains(" Package: kubeha-agent\n", info, StringComparison.Ordinal);
        Assert.Contains($" Version: {packages.Version}\n", info, StringComparison.Ordinal);
        Assert.Contains(" Architecture: amd64\n", info, StringComparison.Ordinal);
        Assert.Contains(" Depends: libc6 (>= 2.27), libgcc-s1, libstdc++6, libssl3t64 | libssl3 | libssl1.1, init-system-helpers (>= 1.54~)\n", info, StringComparison.Ordinal);
        Assert.DoesNotContain("libicu", info, StringComparison.Ordinal);
        foreach (var script in new[] { "postinst", "prerm", "postrm", "conffiles", "control" })
        {
            Assert.Matches($@"\n +\d+ bytes, +\d+ lines +\*? *{script}", info);
        }

        Assert.Equal("/etc/kubeha/agent.yaml", Conffiles(packages.AgentDeb));
    }

    [Fact]
    public void AgentDeb_Contents_ProgramLinkUnitConfigAndDocsOwnedByRoot()
    {
        var contents = Contents(packages.AgentDeb);

        Assert.Contains(contents, e => e.Path == "./usr/lib/kubeha/agent/kubeha-agent" && e.Mode == "-rwxr-xr-x");
        Assert.Contains(contents, e => e.Path == "./usr/lib/kubeha/agent/libcoreclr.so");
        Assert.Contains(contents, e => e.Path == "./usr/bin/kubeha-agent -> ../lib/kubeha/agent/kubeha-agent");
        Assert.Contains(contents, e => e.Path == "./lib/systemd/system/kubeha-agent.service" && e.Mode == "-rw-r--r--");
        Assert.Contains(contents, e => e.Path == "./etc/kubeha/agent.yaml" && e.Mode == "-rw-r--r--");
        Assert.Contains(contents, e => e.Path == "./usr/share/doc/kubeha-agent/copyright");
        Assert.Contains(contents, e => e.Path == "./usr/share/doc/kubeha-agent/changelog.gz");
        Assert.DoesNotContain(contents, e => e.Path.Contains("libcoreclrtraceptprovider", StringComparison.Ordinal));
        Assert.All(contents, e => Assert.Equal("root/root", e.Owner));
    }

    [Fact]
    public void CliDeb_InfoAndContents_ProgramLinkAndUnitNoConffile()
    {
        var info = Cmd.Ok("dpkg-deb", "--info", packages.CliDeb).StdOut;
        var contents = Contents(packages.CliDeb);

        Assert.Contains(" Package: kubeha\n", info, StringComparison.Ordinal);
        Assert.Contains($" Version: {packages.Version}\n", info, StringComparison.Ordinal);
        Assert.Contains("libssl3t64 | libssl3 | libssl1.1", info, StringComparison.Ordinal);
        Assert.Contains(contents, e => e.Path == "./usr/lib/kubeha/kubeha/kubeha" && e.Mode == "-rwxr-xr-x");
        Assert.Contains(contents, e => e.Path == "./usr/lib/kubeha/kubeha/libe_sqlite3.so");
        Assert.Contains(contents, e => e.Path == "./usr/bin/kubeha -> ../lib/kubeha/kubeha/kubeha");
        Assert.Contains(contents, e => e.Path == "./lib/systemd/system/kubeha.service");
        Assert.DoesNotContain(contents, e => e.Path.StartsWith("./etc/", StringComparison.Ordinal));
        Assert.Null(Conffiles(packages.CliDeb));
    }

    internal sealed record Entry(string Mode, string Owner, string Path);

    internal static List<Entry> Contents(string deb) =>
        Cmd.Ok("dpkg-deb", "--contents", deb).StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => ContentsLine().Match(l))
            .Select(m => new Entry(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value))
            .ToList();

    /// <returns>The conffiles control file's text, or null when the package has none.</returns>
    private static string? Conffiles(string deb)
    {
        var dir = Directory.CreateTempSubdirectory("kubeha-ctrl-").FullName;
        try
        {
            Cmd.Ok("dpkg-deb", "--control", deb, dir);
            var path = Path.Combine(dir, "conffiles");
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // "-rw-r--r-- root/root      1234 2025-11-23 17:27 ./path[ -> target]"
    [GeneratedRegex(@"^(\S+)\s+(\S+)\s+\d+\s+\S+\s+\S+\s+(.*)$")]
    private static partial Regex ContentsLine();
}
