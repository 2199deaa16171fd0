using System.Net.Sockets;
using System.Text;
using KubeHa.Agent.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KubeHa.Agent.Tests.Hosting;

public sealed class SystemdWatchdogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kubeha-watchdog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ExecuteAsync_WatchdogEnabled_PingsAtOnceThenEveryHalfTimeout()
    {
        var path = Path.Combine(_dir, "notify");
        using var systemd = Bind(path);
        var time = new FakeTimeProvider();
        using var watchdog = new SystemdWatchdog(new SystemdWatchdogSettings(path, TimeSpan.FromSeconds(30)), time, NullLogger<SystemdWatchdog>.Instance);

        await watchdog.StartAsync(CancellationToken.None);
        Assert.Equal("WATCHDOG=1", await ReceiveAsync(systemd, TimeSpan.FromSeconds(10)));

        time.Advance(TimeSpan.FromSeconds(14.9));
        Assert.Null(await ReceiveAsync(systemd, TimeSpan.FromMilliseconds(300)));

        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("WATCHDOG=1", await ReceiveAsync(systemd, TimeSpan.FromSeconds(10)));

        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal("WATCHDOG=1", await ReceiveAsync(systemd, TimeSpan.FromSeconds(10)));
        await watchdog.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ExecuteAsync_AbstractSocketName_PingsThere()
    {
        var name = "kubeha-watchdog-test-" + Guid.NewGuid().ToString("N");
        using var systemd = Bind("\0" + name);
        using var watchdog = new SystemdWatchdog(new SystemdWatchdogSettings("@" + name, TimeSpan.FromSeconds(2)),
            new FakeTimeProvider(), NullLogger<SystemdWatchdog>.Instance);

        await watchdog.StartAsync(CancellationToken.None);

        Assert.Equal("WATCHDOG=1", await ReceiveAsync(systemd, TimeSpan.FromSeconds(10)));
        await watchdog.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ExecuteAsync_NoWatchdog_SendsNothingAndCompletes()
    {
        var path = Path.Combine(_dir, "notify");
        using var systemd = Bind(path);
        using var watchdog = new SystemdWatchdog(null, new FakeTimeProvider(), NullLogger<SystemdWatchdog>.Instance);

        await watchdog.StartAsync(CancellationToken.None);

        // ExecuteAsync runs on the thread pool (.NET 10): it returns at once, sending nothing.
        await watchdog.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(watchdog.ExecuteTask.IsCompletedSuccessfully);
        Assert.Null(await ReceiveAsync(systemd, TimeSpan.FromMilliseconds(300)));
    }

    [Theory]
    [InlineData(null, "30000000", null)]
    [InlineData("/run/systemd/notify", null, null)]
    [InlineData("/run/systemd/notify", "0", null)]
    [InlineData("/run/systemd/notify", "30s", null)]
    [InlineData("/run/systemd/notify", "30000000", "1")]
    public void FromEnvironment_NotForThisProcess_IsNull(string? socket, string? usec, string? pid)
    {
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = socket, ["WATCHDOG_USEC"] = usec, ["WATCHDOG_PID"] = pid };

        Assert.Null(SystemdWatchdogSettings.FromEnvironment(k => env.GetValueOrDefault(k), processId: 4242));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("4242")]
    public void FromEnvironment_WatchdogForThisProcess_PingsAtHalfTheTimeout(string? pid)
    {
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = "/run/systemd/notify", ["WATCHDOG_USEC"] = "30000000", ["WATCHDOG_PID"] = pid };

        var settings = SystemdWatchdogSettings.FromEnvironment(k => env.GetValueOrDefault(k), processId: 4242);

        Assert.NotNull(settings);
        Assert.Equal("/run/systemd/notify", settings.SocketPath);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.Interval);
    }

    private static Socket Bind(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <returns>The next datagram, or null when none came within the timeout.</returns>
    private static async Task<string?> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
