using System.Security.Authentication;
using KubeHa.Coordinator.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeHa.Coordinator.Drift;

/// <summary>
/// `kubeha serve`: the drift collector (agents push reports over mutual TLS: their KubeHa agent
/// certificates in, the coordinator certificate out), the store, and the cluster checks.
/// Notifies systemd when ready (Type=notify).
/// </summary>
public static class DriftDaemon
{
    /// <summary>Host setting that turns off the file watchers of appsettings*.json.</summary>
    public const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    public static WebApplication Build(DriftDaemonOptions options, TimeProvider time)
    {
        var pki = new PkiStore(options.StateDir, time);
        var (serverCert, ca) = pki.LoadCoordinatorIdentity();
        // No appsettings reload: each reloadable file is an inotify instance (128 per user by
        // default, shared with every other program on the host), and nothing here reads them.
        var builder = WebApplication.CreateSlimBuilder([NoConfigReload]);
        builder.Host.UseSystemd();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(_ => new DriftStore(options.StateDir, time));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        if (options.Kubeconfig is not null)
        {
            var checker = ClusterDriftChecker.FromKubeconfig(options.Kubeconfig, options.EndpointUrl);
            builder.Services.AddHostedService(sp => new ClusterDriftMonitor(checker, sp.GetRequiredService<DriftStore>(), options.ClusterInterval, time,
                sp.GetRequiredService<ILogger<ClusterDriftMonitor>>()));
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen, lo =>
            {
                lo.Protocols = HttpProtocols.Http2;
                lo.UseHttps(https =>
                {
                    https.ServerCertificate = serverCert;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (cert, _, _) => AgentClientCertificateValidator.Validate(cert, ca, time) is null;
                });
            });
        });

        var app = builder.Build();
        app.MapGrpcService<DriftCollectorGrpcService>();
        return app;
    }
}
