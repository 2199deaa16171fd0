using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Packaging.Tests;

[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class TimingTests(PackagesFixture packages, ITestOutputHelper output)
{
    [Fact]
    public void Fixture_BuiltEveryPackage_ReportsHowLongEachPartTook()
    {
        foreach (var line in packages.Timings)
        {
            output.WriteLine(line);
        }

        Assert.NotEmpty(packages.Timings);
        Assert.All(new[] { packages.AgentDeb, packages.AgentRpm, packages.CliDeb, packages.CliRpm, packages.AgentDebNext }, p => Assert.True(File.Exists(p), p));
    }
}
