using System.Runtime.CompilerServices;

namespace KubeHa.Coordinator.Tests.Cluster;

/// <summary>Files under testassets/ and golden comparisons (KUBEHA_UPDATE_GOLDEN=1 rewrites the golden file in the source tree; review the diff like code).</summary>
internal static class Golden
{
    public static string Read(params string[] parts) => File.ReadAllText(Path.Combine([AppContext.BaseDirectory, "testassets", .. parts]));

    public static void Assert(string actual, string dir, string name, [CallerFilePath] string caller = "")
    {
        if (Environment.GetEnvironmentVariable("KUBEHA_UPDATE_GOLDEN") == "1")
        {
            var project = Path.GetDirectoryName(Path.GetDirectoryName(caller))!;
            File.WriteAllText(Path.Combine(project, "testassets", dir, name), actual);
            return;
        }

        Xunit.Assert.Equal(Read(dir, name), actual);
    }
}
