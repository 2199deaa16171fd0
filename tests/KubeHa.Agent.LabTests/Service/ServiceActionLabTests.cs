using KubeHa.Agent.LabTests.Fixture;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Agent.LabTests.Service;

/// <summary>ServiceAction through the real agent and the lab supervisor, with real nginx and haproxy in worker-1.</summary>
[Collection(AgentLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class ServiceActionLabTests(AgentLab lab)
{
    private const string Node = AgentLab.Worker;

    private static StepSpec Service(string name, ServiceOperation operation) =>
        new() { Service = new ServiceAction { Name = name, Operation = operation } };

    private static async Task<(bool Active, string Pid)> StateAsync(string name)
    {
        var active = await LabCli.ExecAsync(Node, "svc", "is-active", name);
        var pidFile = Path.Combine(LabCli.NodeDir(Node), "svc", name + ".pid");
        return (active.ExitCode == 0, File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : string.Empty);
    }

    [LabFact]
    public async Task Nginx_StartCheckRollback_RealSupervisorStates()
    {
        lab.RequireUp();
        await LabCli.ExecAsync(Node, "svc", "stop", "nginx");
        await using var steps = new AgentSteps(lab.Agents, Node, "svc-nginx");

        var start = await steps.ApplyAsync("start", Service("nginx", ServiceOperation.Start));
        var afterStart = await StateAsync("nginx");
        var again = await steps.ApplyAsync("start-again", Service("nginx", ServiceOperation.Start));
        var check = await steps.CheckAsync("check-stop", Service("nginx", ServiceOperation.Stop));
        var afterCheck = await StateAsync("nginx");
        var rollback = await steps.RollbackAsync("undo-start", "start");
        var afterRollback = await StateAsync("nginx");

        Assert.True(start.Outcome == StepOutcome.Succeeded, start.Reason);
        Assert.Equal(["started nginx"], start.Effects);
        Assert.True(afterStart.Active, "nginx not active after start");
        Assert.True(again.Outcome == StepOutcome.Succeeded, again.Reason);
        Assert.False(again.Changed);
        Assert.Equal(["would stop nginx (lab; now active)"], check.Effects);
        Assert.Equal(afterStart, afterCheck);
        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(["stopped nginx"], rollback.Effects);
        Assert.False(afterRollback.Active, "nginx still active after rolling back its start");
    }

    [LabFact]
    public async Task Haproxy_ReloadKeepsMasterRestartReplacesItStopRollsBack()
    {
        lab.RequireUp();
        await File.WriteAllTextAsync(Path.Combine(LabCli.NodeDir(Node), "etc-haproxy", "haproxy.cfg"), $"""
            global
              log stdout format raw local0
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend apiserver
              bind 127.0.0.1:16443
              default_backend masters
            backend masters
              server master-1 {LabCli.Ip(11)}:6443 check

            """);
        await LabCli.ExecAsync(Node, "svc", "stop", "haproxy");
        await using var steps = new AgentSteps(lab.Agents, Node, "svc-haproxy");

        var start = await steps.ApplyAsync("start", Service("haproxy", ServiceOperation.Start));
        var started = await StateAsync("haproxy");
        var reload = await steps.ApplyAsync("reload", Service("haproxy", ServiceOperation.Reload));
        var reloaded = await StateAsync("haproxy");
        var restart = await steps.ApplyAsync("restart", Service("haproxy", ServiceOperation.Restart));
        var restarted = await StateAsync("haproxy");
        var isActive = await steps.ApplyAsync("is-active", Service("haproxy", ServiceOperation.IsActive));
        var stop = await steps.ApplyAsync("stop", Service("haproxy", ServiceOperation.Stop));
        var stopped = await StateAsync("haproxy");
        var inactiveCheck = await steps.ApplyAsync("is-active-2", Service("haproxy", ServiceOperation.IsActive));
        var rollback = await steps.RollbackAsync("undo-stop", "stop");
        var back = await StateAsync("haproxy");
        await LabCli.ExecAsync(Node, "svc", "stop", "haproxy");

        Assert.True(start.Outcome == StepOutcome.Succeeded, start.Reason);
        Assert.True(started.Active);
        Assert.True(reload.Outcome == StepOutcome.Succeeded, reload.Reason);
        Assert.Equal(["reloaded haproxy"], reload.Effects);
        Assert.Equal(started.Pid, reloaded.Pid); // SIGUSR2 to the master: same process
        Assert.True(restart.Outcome == StepOutcome.Succeeded, restart.Reason);
        Assert.NotEqual(reloaded.Pid, restarted.Pid);
        Assert.True(isActive.Outcome == StepOutcome.Succeeded, isActive.Reason);
        Assert.True(stop.Outcome == StepOutcome.Succeeded, stop.Reason);
        Assert.False(stopped.Active);
        Assert.Equal(StepOutcome.Failed, inactiveCheck.Outcome);
        Assert.Equal($"service haproxy on {Node} is inactive, expected active", inactiveCheck.Reason);
        Assert.True(rollback.Outcome == StepOutcome.Succeeded, rollback.Reason);
        Assert.Equal(["started haproxy"], rollback.Effects);
        Assert.True(back.Active, "haproxy not active again after rolling back its stop");
    }

    [LabFact]
    public async Task Apply_UnknownService_RefusedByTheSupervisor()
    {
        lab.RequireUp();
        await using var steps = new AgentSteps(lab.Agents, Node, "svc-unknown");

        var result = await steps.ApplyAsync("start", Service("no-such-service", ServiceOperation.Start));

        Assert.Equal(StepOutcome.Refused, result.Outcome);
        Assert.Equal($"service no-such-service on {Node}: unknown to lab", result.Reason);
    }
}
