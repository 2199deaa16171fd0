using System.Runtime.CompilerServices;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Lab.Tests;

internal static class LabId
{
    /// <summary>
    /// This project's lab is lab 4 (bridge kubehabr4, 10.77.4.0/24) unless KUBEHA_LAB_ID says
    /// otherwise: lab 0 is the demo's (examples/cluster.yaml), which a test run must not take down.
    /// </summary>
    public const int Id = 4;

#pragma warning disable CA2255 // A test assembly's one-time setup: every LabCli call must target this project's lab.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBEHA_LAB_ID")))
        {
            LabCli.Id = Id;
        }
    }
}
