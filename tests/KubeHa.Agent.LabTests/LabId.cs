using System.Runtime.CompilerServices;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Agent.LabTests;

internal static class LabId
{
    /// <summary>This project's lab is lab 2 (bridge kubehabr2, 10.77.2.0/24), so CI can run it beside the lab-0 project.</summary>
    public const int Id = 2;

#pragma warning disable CA2255 // A test assembly's one-time setup: every LabCli call must target lab 2.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => LabCli.Id = Id;
}
