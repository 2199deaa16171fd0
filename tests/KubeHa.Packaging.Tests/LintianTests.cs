using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Packaging.Tests;

[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class LintianTests(PackagesFixture packages, ITestOutputHelper output)
{
    [Fact]
    public void Debs_Lintian_NoErrors()
    {
        // Both packages in one run (lintian works on them in parallel).
        var result = Cmd.Run("lintian", ["--tag-display-limit", "0", "--fail-on", "error", .. packages.Debs], null, TimeSpan.FromMinutes(6));
        var lines = (result.StdOut + result.StdErr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        Assert.DoesNotContain(lines, l => l.StartsWith("E: ", StringComparison.Ordinal));
        // lintian exits 1 when it could not check the packages, 2 on an error tag (--fail-on).
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain(lines, l => l.Contains("internal error", StringComparison.OrdinalIgnoreCase));
    }
}
