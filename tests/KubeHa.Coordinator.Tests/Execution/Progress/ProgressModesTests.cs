using KubeHa.Coordinator.Execution.Progress;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Execution.Progress;

[Trait(Categories.Name, Categories.Unit)]
public sealed class ProgressModesTests
{
    [Theory]
    [InlineData(ProgressMode.Auto, null, true, true)]
    [InlineData(ProgressMode.Auto, null, false, false)]
    [InlineData(ProgressMode.Auto, "plain", true, false)]
    [InlineData(ProgressMode.Auto, "TTY", false, true)]
    [InlineData(ProgressMode.Auto, "auto", true, true)]
    [InlineData(ProgressMode.Plain, "tty", true, false)]
    [InlineData(ProgressMode.Tty, "plain", false, true)]
    public void UseTerminal_OptionEnvironmentTerminal_OptionThenEnvironmentThenTerminalDecides(ProgressMode option, string? environment, bool terminal, bool expected) =>
        Assert.Equal(expected, ProgressModes.UseTerminal(option, environment, terminal));

    [Theory]
    [InlineData(false, "xterm-256color", true)]
    [InlineData(true, "xterm-256color", false)]
    [InlineData(false, "dumb", false)]
    [InlineData(false, "", false)]
    [InlineData(false, null, false)]
    public void IsTerminal_RedirectedAndTerm_OnlyAnUnredirectedCapableTerminal(bool redirected, string? term, bool expected) =>
        Assert.Equal(expected, ProgressModes.IsTerminal(redirected, term));

    [Theory]
    [InlineData("plain", ProgressMode.Plain)]
    [InlineData(" Tty ", ProgressMode.Tty)]
    [InlineData("fancy", ProgressMode.Auto)]
    [InlineData(null, ProgressMode.Auto)]
    public void Parse_Value_Mode(string? value, ProgressMode expected) => Assert.Equal(expected, ProgressModes.Parse(value));
}
