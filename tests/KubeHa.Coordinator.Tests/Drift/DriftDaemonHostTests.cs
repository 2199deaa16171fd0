using System.Net;
using KubeHa.Coordinator.Drift;
using KubeHa.Coordinator.Pki;
using KubeHa.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHa.Coordinator.Tests.Drift;

/// <summary>The daemon's host: no appsettings file watchers (each one an inotify instance; the lab run hit the 128 limit).</summary>
[Trait(Categories.Name, Categories.Unit)]
public sealed class DriftDaemonHostTests
{
    [Fact]
    public async Task Build_FileConfigurationSources_DoNotReloadOnChange()
    {
        using var dir = new TempDir("kubeha-daemon-host");
        new PkiStore(dir.Path, TimeProvider.System).Init([], []);

        var app = DriftDaemon.Build(new DriftDaemonOptions { StateDir = dir.Path, Listen = new IPEndPoint(IPAddress.Loopback, FreePort.Next()) }, TimeProvider.System);
        await using (app)
        {
            var root = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
            var files = root.Providers.OfType<FileConfigurationProvider>().ToList();

            Assert.NotEmpty(files);
            Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} reloads on change"));
        }
    }
}
