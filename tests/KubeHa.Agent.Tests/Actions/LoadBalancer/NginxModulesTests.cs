using KubeHa.Agent.Actions.LoadBalancer;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Actions.LoadBalancer;

[Trait(Categories.Name, Categories.Unit)]
public sealed class NginxModulesTests : IDisposable
{
    private readonly TempDir _dir = new("kubeha-nginx-modules");

    public void Dispose() => _dir.Dispose();

    private string Enabled => _dir.Combine("modules-enabled");

    private string Module => _dir.Combine("ngx_stream_module.so");

    [Fact]
    public void Detect_IncludeLoadsStream_IncludeWithoutLoadModule()
    {
        Directory.CreateDirectory(Enabled);
        File.WriteAllText(Module, "elf");
        File.WriteAllText(Path.Combine(Enabled, "50-mod-stream.conf"), "load_module modules/ngx_stream_module.so;\n");

        var modules = NginxModules.Detect(Enabled, Module);

        Assert.Equal(Path.Combine(Enabled, "*.conf"), modules.IncludeGlob);
        Assert.Null(modules.LoadModulePath);
    }

    [Fact]
    public void Detect_IncludeWithoutStream_IncludeAndLoadModule()
    {
        Directory.CreateDirectory(Enabled);
        File.WriteAllText(Module, "elf");
        File.WriteAllText(Path.Combine(Enabled, "50-mod-mail.conf"), "load_module modules/ngx_mail_module.so;\n");

        var modules = NginxModules.Detect(Enabled, Module);

        Assert.NotNull(modules.IncludeGlob);
        Assert.Equal(Module, modules.LoadModulePath);
    }

    [Fact]
    public void Detect_NoIncludeDirAndNoModuleFile_AssumesBuiltIn()
    {
        var modules = NginxModules.Detect(Enabled, Module);

        Assert.Null(modules.IncludeGlob);
        Assert.Null(modules.LoadModulePath);
    }
}
