using System.Runtime.CompilerServices;
using KubeHa.TestSupport.Lab;

namespace KubeHa.E2E.Tests;

internal static class LabId
{
    /// <summary>The end-to-end lab is lab 1 (bridge kubehabr1, 10.77.1.0/24), beside the other projects' labs.</summary>
    public const int Id = 1;

#pragma warning disable CA2255 // A test assembly's one-time setup: every LabCli call must target lab 1.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => LabCli.Id = Id;
}
