using System.Diagnostics;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

/// <summary>Runs the built `kubeha` CLI as a process, as an operator would.</summary>
internal static class KubehaCli
{
    public static string Dll => Path.Combine(RepoPaths.Root, "src", "Coordinator", "KubeHa.Cli", "bin", RepoPaths.Configuration, "net10.0", "kubeha.dll");

    public static Task<LabCli.Result> RunAsync(string stateDir, TimeSpan timeout, params string[] args) =>
        LabCli.RunProgramAsync("dotnet", timeout, [Dll, "--state-dir", stateDir, .. args]);

    /// <summary>Starts `kubeha` without waiting (to kill it mid-run); output goes to <paramref name="log"/>.</summary>
    public static Process Start(string stateDir, string log, params string[] args)
    {
        var psi = new ProcessStartInfo("sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$@\" >\"$KUBEHA_LOG\" 2>&1");
        psi.ArgumentList.Add("kubeha");
        foreach (var a in (string[])["dotnet", Dll, "--state-dir", stateDir, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBEHA_LOG"] = log;
        return Process.Start(psi) ?? throw new InvalidOperationException("cannot start kubeha");
    }
}
