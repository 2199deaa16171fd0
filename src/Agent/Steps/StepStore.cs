using System.Text.RegularExpressions;
using Google.Protobuf;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Steps;

/// <summary>
/// Durable record of submitted steps: STATE/steps/RUN/STEP.request (written before the step
/// runs) and STEP.result (written before the result is sent). A request without a result is
/// a step interrupted by an agent stop.
/// </summary>
internal sealed partial class StepStore(string stepsDir)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    private string RequestPath(string runId, string stepId) => Path.Combine(stepsDir, runId, stepId + ".request");

    private string ResultPath(string runId, string stepId) => Path.Combine(stepsDir, runId, stepId + ".result");

    public StepResult? ReadResult(string runId, string stepId)
    {
        var path = ResultPath(runId, stepId);
        return File.Exists(path) ? StepResult.Parser.ParseFrom(File.ReadAllBytes(path)) : null;
    }

    public ExecuteStepRequest? ReadRequest(string runId, string stepId)
    {
        var path = RequestPath(runId, stepId);
        return File.Exists(path) ? ExecuteStepRequest.Parser.ParseFrom(File.ReadAllBytes(path)) : null;
    }

    public void WriteRequest(ExecuteStepRequest request) =>
        AtomicFile.WriteAllBytes(RequestPath(request.RunId, request.StepId), request.ToByteArray(), AtomicFile.PrivateMode);

    public void WriteResult(StepResult result) =>
        AtomicFile.WriteAllBytes(ResultPath(result.RunId, result.StepId), result.ToByteArray(), AtomicFile.PrivateMode);
}
