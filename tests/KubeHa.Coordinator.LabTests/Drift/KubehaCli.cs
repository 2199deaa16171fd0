using KubeHa.TestSupport;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>Runs the built `kubeha` CLI as a process, as an operator would.</summary>
internal static class KubehaCli
{
    public static Task<LabCli.Result> RunAsync(string stateDir, params string[] args) =>
        LabCli.RunProgramAsync("dotnet", TimeSpan.FromMinutes(3), [RepoPaths.CliDll, "--state-dir", stateDir, .. args]);
}
