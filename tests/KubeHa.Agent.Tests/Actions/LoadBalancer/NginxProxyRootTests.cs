using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KubeHa.Agent.Tests.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using NginxAgentAction = KubeHa.Agent.Actions.LoadBalancer.NginxConfigAction;

namespace KubeHa.Agent.Tests.Actions.LoadBalancer;

/// <summary>A real nginx started with the rendered stream config proxies TCP to a loopback backend.</summary>
[Trait(Categories.Name, Categories.Root)]
public sealed class NginxProxyRootTests : IDisposable
{
    private static readonly IPAddress ListenIp = IPAddress.Parse("127.0.0.57");
    private readonly StepHarness _harness = new(new NginxAgentAction());

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task RenderedStreamConfig_RealNginx_ProxiesTcpAndAnswersHealthz()
    {
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var backendPort = ((IPEndPoint)backend.LocalEndpoint).Port;
        var echo = EchoOnceAsync(backend);

        var path = _harness.PathInRoot("nginx.conf");
        var spec = new NginxConfigAction
        {
            ConfigPath = path,
            ListenAddress = ListenIp.ToString(),
            ListenPort = (uint)FreePort(),
            HealthzAddress = ListenIp.ToString(),
            HealthzPort = (uint)FreePort(),
            Backends = { new LbBackend { Address = "127.0.0.1", Port = (uint)backendPort } },
            Balance = LbBalance.LeastConn,
            WorkerProcesses = 1,
            PidPath = _harness.PathInRoot("nginx.pid"),
            ErrorLog = _harness.PathInRoot("error.log"),
        };
        var result = await _harness.ApplyAsync(new StepSpec { NginxConfig = spec });
        Assert.True(result.Outcome == StepOutcome.Succeeded, result.Reason);

        var start = new ProcessStartInfo("/usr/sbin/nginx") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", path, "-g", "daemon off;" })
        {
            start.ArgumentList.Add(a);
        }

        using var nginx = Process.Start(start)!;
        try
        {
            using var client = await ConnectWithRetryAsync(new IPEndPoint(ListenIp, (int)spec.ListenPort), nginx);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("ping\n"));
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("pong:ping\n", Encoding.ASCII.GetString(buffer, 0, read));
            await echo.WaitAsync(TimeSpan.FromSeconds(10));

            using var http = new HttpClient();
            var healthz = await http.GetAsync(new Uri($"http://{ListenIp}:{spec.HealthzPort}/healthz"));
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        }
        finally
        {
            nginx.Kill(entireProcessTree: true);
            await nginx.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(ListenIp, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task EchoOnceAsync(TcpListener listener)
    {
        using var connection = await listener.AcceptTcpClientAsync();
        var stream = connection.GetStream();
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("pong:" + Encoding.ASCII.GetString(buffer, 0, read)));
    }

    private static async Task<TcpClient> ConnectWithRetryAsync(IPEndPoint endpoint, Process nginx)
    {
        for (var attempt = 0; ; attempt++)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(endpoint);
                return client;
            }
            catch (SocketException) when (attempt < 50 && !nginx.HasExited)
            {
                client.Dispose();
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                client.Dispose();
                var stderr = nginx.HasExited ? await nginx.StandardError.ReadToEndAsync() : "(still running)";
                throw new InvalidOperationException($"nginx did not listen on {endpoint}: {stderr}");
            }
        }
    }
}
