using Grpc.Core;
using KubeHa.Agent.Facts;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using Microsoft.Extensions.Hosting;

namespace KubeHa.Agent.Grpc;

/// <summary>Translates the gRPC contract to the agent's services; no logic of its own.</summary>
internal sealed class AgentGrpcService(
    NodeFactsProvider facts,
    StepExecutor executor,
    Drift.DriftState drift,
    IHostApplicationLifetime lifetime) : AgentService.AgentServiceBase
{
    public override Task<GetNodeInfoResponse> GetNodeInfo(GetNodeInfoRequest request, ServerCallContext context) =>
        Task.FromResult(facts.Collect());

    public override async Task ExecuteStep(ExecuteStepRequest request, IServerStreamWriter<ExecuteStepResponse> responseStream, ServerCallContext context)
    {
        var events = executor.Start(request, lifetime.ApplicationStopping);
        await foreach (var e in events.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(e, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<GetStepResultResponse> GetStepResult(GetStepResultRequest request, ServerCallContext context) =>
        Task.FromResult(executor.GetResult(request.RunId, request.StepId));

    public override Task<GetDriftResponse> GetDrift(GetDriftRequest request, ServerCallContext context) =>
        Task.FromResult(new GetDriftResponse { Report = drift.Current() });
}
