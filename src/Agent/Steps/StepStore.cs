using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Google.Protobuf;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Steps;

/// <summary>
/// Durable record of submitted steps: one append-only <see cref="StepLog"/> per run,
/// STATE/steps/RUN.log, with each step's request (written before the step runs) and result
/// (written before the result is sent). A request without a result is a step interrupted by an
/// agent stop. Records of agents before 0.2 (STATE/steps/RUN/STEP.request and .result, one file
/// each) are still read.
/// </summary>
internal sealed partial class StepStore(string stepsDir, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Lazy<StepLog>> _logs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _legacyRuns = new(StringComparer.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>The log of <paramref name="runId"/>, read from disk on first use and kept.</summary>
    public StepLog Log(string runId) =>
        _logs.GetOrAdd(runId, id => new Lazy<StepLog>(
            () => StepLog.Open(Path.Combine(stepsDir, id + ".log"), time), LazyThreadSafetyMode.PublicationOnly)).Value;

    public StepResult? ReadResult(string runId, string stepId) =>
        Log(runId).Result(stepId) ?? ReadLegacy(runId, stepId + ".result", StepResult.Parser);

    public ExecuteStepRequest? ReadRequest(string runId, string stepId) =>
        Log(runId).Request(stepId) ?? ReadLegacy(runId, stepId + ".request", ExecuteStepRequest.Parser);

    /// <param name="durable">False for a step that changes nothing on the node: see <see cref="StepLog"/>.</param>
    public void WriteRequest(ExecuteStepRequest request, bool durable) => Log(request.RunId).Append(request, durable);

    public void WriteResult(StepResult result, bool durable) => Log(result.RunId).Append(result, durable);

    private T? ReadLegacy<T>(string runId, string file, MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        // Earlier builds made a directory per run; no agent makes one now, so look once per run.
        if (!_legacyRuns.GetOrAdd(runId, id => Directory.Exists(Path.Combine(stepsDir, id))))
        {
            return null;
        }

        var path = Path.Combine(stepsDir, runId, file);
        return File.Exists(path) ? parser.ParseFrom(File.ReadAllBytes(path)) : null;
    }
}
