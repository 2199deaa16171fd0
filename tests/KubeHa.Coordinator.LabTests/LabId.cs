using System.Runtime.CompilerServices;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Coordinator.LabTests;

/// <summary>This project's lab is lab 3 (bridge kubehabr3, 10.77.3.0/24), so it runs beside the other projects' labs.</summary>
internal static class LabId
{
    public const int Value = 3;

    [ModuleInitializer]
    internal static void Set() => LabCli.Id = Value;
}
