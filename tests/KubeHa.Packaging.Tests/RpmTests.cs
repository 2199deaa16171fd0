using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class RpmTests(PackagesFixture packages)
{
    [Fact]
    public void AgentRpm_Info_NamesVersionReleaseArchitectureAndRequirements()
    {
        var info = Cmd.Ok("rpm", "-qip", packages.AgentRpm).StdOut;
        var requires = Cmd.Ok("rpm", "-qp", "--requires", packages.AgentRpm).StdOut.Split('\n', StringSplitOptions.TrimEntries);
        var provides = Cmd.Ok("rpm", "-qp", "--provides", packages.AgentRpm).StdOut;

        Assert.Matches(@"(?m)^Name\s+: kubeha-agent$", info);
        Assert.Matches($@"(?m)^Version\s+: {packages.Version}$", info);
        Assert.Matches(@"(?m)^Release\s+: 1$", info);
        Assert.Matches(@"(?m)^Architecture: x86_64$", info);
        Assert.Contains("openssl-libs", requires);
        Assert.Contains("glibc >= 2.27", requires);
        Assert.Contains(requires, r => r.StartsWith("libstdc++.so.6", StringComparison.Ordinal));
        // The runtime's private libraries are neither required from nor offered to the system.
        var sonames = requires.Where(r => r.StartsWith("lib", StringComparison.Ordinal) || r.StartsWith("ld-", StringComparison.Ordinal))
            .Select(r => r.Split('(')[0]).Distinct().ToList();
        Assert.Contains("libc.so.6", sonames);
        Assert.DoesNotContain(sonames, s => !DeclaredLibraries.Sonames.Contains(s));
        Assert.DoesNotContain("libcoreclr", provides, StringComparison.Ordinal);
        // Scriptlets the RPM way (RHEL 8 expansion of %systemd_post/%systemd_preun/%systemd_postun_with_restart).
        var scripts = Cmd.Ok("rpm", "-qp", "--scripts", packages.AgentRpm).StdOut;
        Assert.Contains("systemctl --no-reload preset kubeha-agent.service", scripts, StringComparison.Ordinal);
        Assert.Contains("systemctl --no-reload disable --now kubeha-agent.service", scripts, StringComparison.Ordinal);
        Assert.Contains("systemctl try-restart kubeha-agent.service", scripts, StringComparison.Ordinal);
    }

    [Fact]
    public void Rpms_FileLists_ProgramLinkUnitAndNoReplaceConfig()
    {
        var agent = Cmd.Ok("rpm", "-qlp", packages.AgentRpm).StdOut.Split('\n');
        var cli = Cmd.Ok("rpm", "-qlp", packages.CliRpm).StdOut.Split('\n');
        var flags = Cmd.Ok("rpm", "-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\n]", packages.AgentRpm).StdOut;

        Assert.Contains("/usr/lib/kubeha/agent/kubeha-agent", agent);
        Assert.Contains("/usr/bin/kubeha-agent", agent);
        Assert.Contains("/usr/lib/systemd/system/kubeha-agent.service", agent);
        Assert.Contains("/var/lib/kubeha", agent);
        Assert.Contains("cn /etc/kubeha/agent.yaml", flags, StringComparison.Ordinal);
        Assert.Contains("/usr/lib/kubeha/kubeha/kubeha", cli);
        Assert.Contains("/usr/bin/kubeha", cli);
        Assert.Contains("/usr/lib/systemd/system/kubeha.service", cli);
        Assert.DoesNotContain(agent.Concat(cli), f => f.StartsWith("/usr/lib/.build-id", StringComparison.Ordinal));
        Assert.Matches($@"(?m)^Name\s+: kubeha$", Cmd.Ok("rpm", "-qip", packages.CliRpm).StdOut);
    }

    [Fact]
    public void AgentRpm_InstallEditErase_RunsFromInstalledLocationAndSavesTheEditedConfig()
    {
        using var root = new RpmRoot();

        var install = root.Rpm("--install", "--nodeps", "--force-debian", packages.AgentRpm);

        Assert.DoesNotContain("scriptlet failed", install.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot create", install.StdErr, StringComparison.Ordinal);
        Assert.Equal($"kubeha-agent-{packages.Version}-1.x86_64", root.Rpm("-q", "kubeha-agent").StdOut.Trim());
        Assert.Equal("../lib/kubeha/agent/kubeha-agent", new FileInfo(root.Path("usr/bin/kubeha-agent")).LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root.Path("var/lib/kubeha")));
        var version = Cmd.Ok(root.Path("usr/bin/kubeha-agent"), "--version");
        Assert.Equal($"kubeha-agent {packages.Version} (kubeha.agent.v1)", version.StdOut.Trim());
        root.Rpm("--verify", "--nodeps", "kubeha-agent");

        File.AppendAllText(root.Path("etc/kubeha/agent.yaml"), "# edited\n");
        Directory.CreateDirectory(root.Path("var/lib/kubeha/steps"));
        File.WriteAllText(root.Path("var/lib/kubeha/steps/run-1.json"), "{}");

        root.Rpm("--erase", "--nodeps", "kubeha-agent");

        Assert.False(File.Exists(root.Path("usr/lib/kubeha/agent/kubeha-agent")));
        Assert.EndsWith("# edited\n", File.ReadAllText(root.Path("etc/kubeha/agent.yaml.rpmsave")), StringComparison.Ordinal);
        Assert.True(File.Exists(root.Path("var/lib/kubeha/steps/run-1.json")));
    }

    [Fact]
    public void CliRpm_Install_RunsFromInstalledLocation()
    {
        using var root = new RpmRoot();

        root.Rpm("--install", "--nodeps", "--force-debian", packages.CliRpm);

        Assert.Equal($"kubeha {packages.Version}", Cmd.Ok(root.Path("usr/bin/kubeha"), "version").StdOut.Trim());
    }
}
