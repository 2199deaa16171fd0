using System.Text.RegularExpressions;

namespace KubeHa.TestSupport;

public static partial class RepoPaths
{
    /// <summary>The repository root (the directory holding KubeHa.sln).</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeHa.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("KubeHa.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Build configuration of the running test assembly (Debug/Release).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The built agent (kubeha-agent.dll), run with `dotnet`.</summary>
    public static string AgentDll => Path.Combine(Root, "src", "Agent", "bin", Configuration, "net10.0", "kubeha-agent.dll");

    /// <summary>The built CLI (kubeha.dll), run with `dotnet`.</summary>
    public static string CliDll => Path.Combine(Root, "src", "Coordinator", "KubeHa.Cli", "bin", Configuration, "net10.0", "kubeha.dll");

    /// <summary>The repository's version: VersionPrefix in Directory.Build.props, as scripts/package.sh reads it.</summary>
    public static string Version =>
        VersionPrefix().Match(File.ReadAllText(Path.Combine(Root, "Directory.Build.props"))).Groups[1].Value;

    [GeneratedRegex("<VersionPrefix>([0-9.]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();
}
