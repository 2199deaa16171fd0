using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using KubeHa.Packaging.Tests.Support;
using KubeHa.TestSupport;

namespace KubeHa.Packaging.Tests;

/// <summary>
/// The installed programs working together as systemd would run them: the installed kubeha
/// issues the certificates, the installed kubeha-agent starts with a unix datagram socket as
/// NOTIFY_SOCKET and WATCHDOG_USEC set, as the unit's WatchdogSec= makes systemd do.
/// </summary>
[Collection(PackagesGroup.Name)]
[Trait(Categories.Name, Categories.Root)]
public sealed class InstalledAgentTests(PackagesFixture packages) : IDisposable
{
    private readonly DebRoot _root = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("kubeha-installed-").FullName;

    public void Dispose()
    {
        _root.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task InstalledAgent_UnderWatchdog_SendsWatchdogPings()
    {
        _root.Install(packages.AgentDeb);
        _root.Install(packages.CliDeb);
        var kubeha = _root.Path("usr/bin/kubeha");
        var state = Path.Combine(_dir, "coordinator");
        var pki = Path.Combine(_dir, "pki");
        Cmd.Ok(kubeha, "--state-dir", state, "pki", "init", "--ip", "127.0.0.1");
        Cmd.Ok(kubeha, "--state-dir", state, "pki", "issue-agent", "node-1", "--ip", "127.0.0.1", "--out", pki);
        var config = Path.Combine(_dir, "agent.yaml");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            node_name: node-1
            listen: 127.0.0.1:{FreePort.Next()}
            health_listen: 127.0.0.1:{FreePort.Next()}
            tls:
              ca: {pki}/ca.crt
              cert: {pki}/agent.crt
              key: {pki}/agent.key
            state_dir: {_dir}/state
            allowed_roots: [{_dir}/root]
            """));
        var notify = Path.Combine(_dir, "notify");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(notify));

        var info = new ProcessStartInfo(_root.Path("usr/bin/kubeha-agent")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        info.Environment["NOTIFY_SOCKET"] = notify;
        info.Environment["WATCHDOG_USEC"] = "1000000";
        using var agent = Process.Start(info)!;
        var log = new StringBuilder();
        agent.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        agent.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        try
        {
            var pings = 0;
            var buffer = new byte[256];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var clock = Stopwatch.StartNew();
            var firstAt = TimeSpan.Zero;
            while (pings < 3)
            {
                int n;
                try
                {
                    n = await systemd.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    lock (log)
                    {
                        Assert.Fail($"{pings} WATCHDOG=1 within 60 s; agent {(agent.HasExited ? "exited " + agent.ExitCode : "running")}:\n{log}");
                    }

                    throw;
                }

                if (Encoding.ASCII.GetString(buffer, 0, n) == "WATCHDOG=1")
                {
                    firstAt = pings == 0 ? clock.Elapsed : firstAt;
                    pings++;
                }
            }

            // Three pings at 0.5 s intervals: well within one second after the first.
            Assert.InRange(clock.Elapsed - firstAt, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(5));
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync();
        }
    }
}
