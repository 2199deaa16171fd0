using System.Runtime.CompilerServices;

namespace KubeHa.Agent.Tests;

/// <summary>Files under testassets/ (copied to the output directory).</summary>
internal static class TestAssets
{
    public static string PathOf(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "testassets", .. parts]);

    public static byte[] Bytes(params string[] parts) => File.ReadAllBytes(PathOf(parts));

    /// <summary>
    /// Compares rendered text with a golden file. With KUBEHA_UPDATE_GOLDEN=1 the golden file in
    /// the source tree is rewritten instead (review the diff like code).
    /// </summary>
    public static void AssertGolden(string actual, string name, [CallerFilePath] string caller = "")
    {
        if (Environment.GetEnvironmentVariable("KUBEHA_UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(SourceDir(caller), "testassets", "golden", name);
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            File.WriteAllText(source, actual);
            return;
        }

        var expected = File.ReadAllText(PathOf("golden", name));
        Assert.Equal(expected, actual);
    }

    private static string SourceDir(string caller)
    {
        var dir = Path.GetDirectoryName(caller);
        while (dir is not null && !File.Exists(Path.Combine(dir, "KubeHa.Agent.Tests.csproj")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("test project directory not found");
    }
}
