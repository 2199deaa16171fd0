using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Grpc;
using KubeHa.Agent.Security;
using KubeHa.Common.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace KubeHa.Agent.Hosting;

/// <summary>Builds the agent's web host: mutual-TLS gRPC endpoint plus a plain health endpoint.</summary>
internal static class AgentHost
{
    public static WebApplication Build(AgentOptions options, string[] args)
    {
        var ca = LoadCa(options.CaFile);
        var serverCert = LoadServerCertificate(options.CertFile, options.KeyFile);

        // No appsettings reload: each reloadable file costs an inotify instance (128 per user by
        // default, shared with the kubelet and everything else); the drift watch needs its own.
        var builder = WebApplication.CreateSlimBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        builder.Host.UseSystemd();
        // UseSystemd sends READY=1 and STOPPING=1 but no watchdog pings; read the settings now,
        // before anything could change the environment.
        var watchdog = SystemdWatchdogSettings.FromEnvironment(Environment.GetEnvironmentVariable, Environment.ProcessId);
        builder.Services.AddHostedService(sp => new SystemdWatchdog(
            watchdog, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SystemdWatchdog>>()));
        builder.Host.UseSerilog(AgentLogging.Create(), dispose: true);
        builder.Services.AddKubeHaAgent(options);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 16 * 1024 * 1024;
            o.EnableDetailedErrors = false;
        });

        if (!AgentConfigLoader.TryParseEndpoint(options.Listen, out var listen))
        {
            throw new ConfigException([$"listen: '{options.Listen}' is not HOST:PORT"]);
        }

        IPEndPoint? health = null;
        if (!string.IsNullOrEmpty(options.HealthListen) && !AgentConfigLoader.TryParseEndpoint(options.HealthListen, out health))
        {
            throw new ConfigException([$"health_listen: '{options.HealthListen}' is not HOST:PORT"]);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            kestrel.Listen(listen, lo =>
            {
                lo.Protocols = HttpProtocols.Http2;
                lo.UseHttps(https =>
                {
                    https.ServerCertificate = serverCert;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    // SslStream's own chain build against the KubeHa CA only, not the system
                    // store (see TransportChainPolicy); the decision is the validator's below.
                    https.OnAuthenticate = (_, ssl) => ssl.CertificateChainPolicy = PeerCertificateValidator.TransportChainPolicy(ca);
                    https.ClientCertificateValidation = (cert, _, _) =>
                    {
                        var validator = kestrel.ApplicationServices.GetRequiredService<CoordinatorCertificateValidator>();
                        return validator.Validate(cert) is null;
                    };
                });
            });
            if (health is not null)
            {
                kestrel.Listen(health, lo => lo.Protocols = HttpProtocols.Http1);
            }
        });
        builder.Services.AddSingleton(sp => new CoordinatorCertificateValidator(ca, sp.GetRequiredService<TimeProvider>()));

        var app = builder.Build();
        app.MapGrpcService<AgentGrpcService>();
        if (health is not null)
        {
            var healthHost = $"*:{health.Port}";
            var metrics = app.Services.GetRequiredService<AgentMetrics>();
            app.MapGet("/healthz", (RequestDelegate)(ctx => ctx.Response.WriteAsync("ok\n"))).RequireHost(healthHost);
            app.MapGet("/metrics", (RequestDelegate)(ctx =>
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                return ctx.Response.WriteAsync(metrics.Render());
            })).RequireHost(healthHost);
        }

        return app;
    }

    private static X509Certificate2 LoadCa(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigException([$"{path}: cannot load the KubeHa CA certificate: {e.Message}"]);
        }
    }

    private static X509Certificate2 LoadServerCertificate(string certPath, string keyPath)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            // Re-import so the key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigException([$"{certPath} / {keyPath}: cannot load the agent certificate and key: {e.Message}"]);
        }
    }
}
