using Grpc.Core;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Agents;

/// <summary>
/// Submits one step to an agent and waits for its terminal result. A step counts as done only
/// when the agent's recorded result says so: if the stream breaks after acknowledgement, the
/// result is fetched by step id (the agent never runs a step id twice).
/// </summary>
public sealed class StepSubmitter(TimeProvider time)
{
    public TimeSpan ResultPollInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan ResultWaitLimit { get; init; } = TimeSpan.FromMinutes(15);

    public async Task<StepResult> RunAsync(AgentConnection agent, ExecuteStepRequest request, IStepObserver observer, CancellationToken cancellationToken)
    {
        request.ExpectedNode = agent.Endpoint.Node;
        await observer.SubmittedAsync(agent.Endpoint, request).ConfigureAwait(false);
        var acknowledged = false;
        try
        {
            var result = await agent.CallAsync(async (client, options) =>
            {
                using var call = client.ExecuteStep(request, options);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    switch (e.EventCase)
                    {
                        case ExecuteStepResponse.EventOneofCase.Accepted:
                            acknowledged = true;
                            await observer.AcknowledgedAsync(agent.Endpoint, e.Accepted).ConfigureAwait(false);
                            break;
                        case ExecuteStepResponse.EventOneofCase.Progress:
                            await observer.ProgressAsync(agent.Endpoint, request, e.Progress).ConfigureAwait(false);
                            break;
                        case ExecuteStepResponse.EventOneofCase.Result:
                            return e.Result;
                    }
                }

                return null;
            }, cancellationToken, retry: true).ConfigureAwait(false);

            result ??= await WaitForRecordedResultAsync(agent, request, cancellationToken).ConfigureAwait(false);
            await observer.FinishedAsync(agent.Endpoint, result).ConfigureAwait(false);
            return result;
        }
        catch (AgentUnavailableException) when (acknowledged)
        {
            // The stream broke after the agent accepted: the step may still finish there.
            var result = await WaitForRecordedResultAsync(agent, request, cancellationToken).ConfigureAwait(false);
            await observer.FinishedAsync(agent.Endpoint, result).ConfigureAwait(false);
            return result;
        }
    }

    private async Task<StepResult> WaitForRecordedResultAsync(AgentConnection agent, ExecuteStepRequest request, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + ResultWaitLimit;
        while (time.GetUtcNow() < deadline)
        {
            var recorded = await agent.GetStepResultAsync(request.RunId, request.StepId, cancellationToken).ConfigureAwait(false);
            if (recorded.Found)
            {
                return recorded.Result;
            }

            if (recorded.Interrupted)
            {
                return new StepResult
                {
                    RunId = request.RunId,
                    StepId = request.StepId,
                    Node = agent.Endpoint.Node,
                    Mode = request.Mode,
                    Outcome = StepOutcome.Failed,
                    Reason = $"step {request.StepId} on {agent.Endpoint.Node} was interrupted (agent restarted while it ran)",
                };
            }

            await Task.Delay(ResultPollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new AgentUnavailableException($"agent {agent.Endpoint.Node}: no result for step {request.StepId} within {ResultWaitLimit}");
    }
}
