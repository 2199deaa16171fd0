using System.Diagnostics;
using System.Globalization;
using KubeHa.TestSupport.Lab;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace KubeHa.Agent.LabTests.Fixture;

/// <summary>
/// One lab (id 2: master-1 + worker-1) and one <see cref="LabAgents"/> for the whole project:
/// `down` (clean slate), `up --workers 1`, real agents on master-1 and worker-1; `down` at the end.
/// Durations go to the diagnostic output (xunit.runner.json enables it).
/// </summary>
public sealed class AgentLab(IMessageSink sink) : IAsyncLifetime
{
    public const string Master = "master-1";
    public const string Worker = "worker-1";

    /// <summary>The agent settings used here: the lab supervisor as service manager.</summary>
    public static LabAgentSettings Settings { get; } = new() { ExtraYaml = ["service_manager: lab"] };

    /// <summary>
    /// KUBEHA_LAB_REUSE=1 (development only): use a lab 2 that is already up and leave it up at
    /// the end, instead of down + up + down. Tests that change the cluster (add-node) expect a fresh lab.
    /// </summary>
    private static bool Reuse => Environment.GetEnvironmentVariable("KUBEHA_LAB_REUSE") == "1";

    private LabAgents? _agents;
    private Exception? _failure;

    public LabAgents Agents => _agents ?? throw new InvalidOperationException("lab agents not started", _failure);

    public async Task InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        var total = Stopwatch.StartNew();
        try
        {
            if (Reuse && (await LabCli.RunAsync(TimeSpan.FromSeconds(20), "nodes")).Stdout.Contains(Worker, StringComparison.Ordinal))
            {
                Log("KUBEHA_LAB_REUSE=1: using the lab that is up");
            }
            else
            {
                await TimedAsync("kubeha-lab down (clean slate)", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(2), "down"), "down"));
                await TimedAsync("kubeha-lab up --workers 1", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(6), "up", "--workers", "1"), "up"));
            }

            _agents = new LabAgents();
            await TimedAsync("agents on master-1 and worker-1", () => _agents.StartAsync([Master, Worker], Settings));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            _failure = e;
            Log($"lab setup failed: {e.Message}");
        }

        Log($"lab setup total {total.Elapsed.TotalSeconds:0.0} s");
    }

    public async Task DisposeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        if (_agents is not null)
        {
            await _agents.DisposeAsync();
        }

        if (!Reuse)
        {
            await TimedAsync("kubeha-lab down", async () => Check(await LabCli.RunAsync(TimeSpan.FromMinutes(2), "down"), "down"));
        }
    }

    /// <summary>Fails the calling test with the setup failure when the lab or the agents did not come up.</summary>
    public void RequireUp()
    {
        if (_failure is not null)
        {
            Assert.Fail("lab setup failed: " + _failure);
        }

        Assert.NotNull(_agents);
    }

    public async Task TimedAsync(string what, Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        Log($"{what}: {watch.Elapsed.TotalSeconds:0.0} s");
    }

    public void Log(string message) =>
        sink.OnMessage(new DiagnosticMessage(string.Create(CultureInfo.InvariantCulture, $"[lab {LabCli.Id}] {message}")));

    private static void Check(LabCli.Result result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Describe("kubeha-lab " + what));
        }
    }
}
