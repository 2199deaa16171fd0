using KubeHa.Coordinator.Agents;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Agent.LabTests.Fixture;

/// <summary>The fixture itself: real agents inside lab nodes, reached from the host over mutual TLS.</summary>
[Collection(AgentLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class LabAgentsTests(AgentLab lab)
{
    [LabFact]
    public async Task StartAsync_MasterAndWorker_AnswerNodeInfoOverMutualTlsAndRunNoop()
    {
        lab.RequireUp();
        foreach (var node in new[] { AgentLab.Master, AgentLab.Worker })
        {
            var agent = lab.Agents.Running[node];
            await using var connection = lab.Agents.Connect(agent);

            var info = await connection.GetNodeInfoAsync(CancellationToken.None);
            var result = await new StepSubmitter(TimeProvider.System).RunAsync(connection, new ExecuteStepRequest
            {
                RunId = "lab-fixture",
                StepId = "noop-" + node,
                Mode = StepMode.Apply,
                Step = new StepSpec { Noop = new NoopAction { ProgressEvents = 2, DelayMs = 10 } },
            }, NullStepObserver.Instance, CancellationToken.None);

            Assert.Equal(node, info.NodeName);
            Assert.Contains(info.Addresses, a => a.StartsWith(agent.Ip, StringComparison.Ordinal));
            Assert.Equal(StepOutcome.Succeeded, result.Outcome);
            Assert.Equal(node, result.Node);
            Assert.Equal("1", result.Outputs["executions"]);
            // The step record lives in the node's /var/lib/kubeha, i.e. the agent really ran inside the node.
            var log = Path.Combine(agent.StateDir, "steps", "lab-fixture.log");
            Assert.True(File.Exists(log), $"no step log under {agent.StateDir}");
            Assert.True(File.ReadAllBytes(log).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes($"noop-{node}")) >= 0, $"{log} has no record of noop-{node}");
        }
    }

    [LabFact]
    public async Task Connect_AgentOfAnotherNode_RefusedByCertificateName()
    {
        lab.RequireUp();
        var worker = lab.Agents.Running[AgentLab.Worker];
        var (client, ca) = lab.Agents.Pki.LoadCoordinatorIdentity();
        await using var connection = new AgentConnection(new AgentEndpoint(AgentLab.Master, worker.Address), client, ca, new AgentConnectionOptions { Retries = 0 }, TimeProvider.System);

        var e = await Assert.ThrowsAsync<AgentUnavailableException>(() => connection.GetNodeInfoAsync(CancellationToken.None));

        Assert.Contains($"is for node '{AgentLab.Worker}', expected '{AgentLab.Master}'", e.Message, StringComparison.Ordinal);
    }
}
