namespace KubeHa.Bench;

/// <summary>How to start this program, the built agent and the built CLI as child processes.</summary>
internal static class SelfExe
{
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p ? p : "dotnet";
    public static string BenchDll => Path.Combine(AppContext.BaseDirectory, "KubeHa.Bench.dll");
    public static string AgentDll => Path.Combine(AppContext.BaseDirectory, "kubeha-agent.dll");
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "kubeha.dll");

    public static string[] Bench(params string[] args) => [BenchDll, .. args];
}
