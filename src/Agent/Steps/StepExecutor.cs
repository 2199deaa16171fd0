using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Drift;
using KubeHa.Agent.Files;
using KubeHa.Agent.Hosting;
using KubeHa.Protos.Agent.V1;
using Microsoft.Extensions.Logging;

namespace KubeHa.Agent.Steps;

/// <summary>
/// Runs steps exactly once per (run id, step id): records the request before running,
/// the result before answering, and replays the recorded result on resubmission. Execution
/// is detached from the caller's stream, so a lost connection does not abort a step halfway.
/// </summary>
internal sealed partial class StepExecutor : IDisposable
{
    private readonly AgentOptions _options;
    private readonly StepStore _store;
    private readonly BackupStore _backups;
    private readonly PathGuard _guard;
    private readonly Dictionary<StepSpec.ActionOneofCase, IStepAction> _actions;
    private readonly TimeProvider _time;
    private readonly AgentMetrics _metrics;
    private readonly ILogger<StepExecutor> _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _stepLocks = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _concurrency;
    private readonly DesiredStateRecorder? _desired;

    public StepExecutor(
        AgentOptions options,
        IEnumerable<IStepAction> actions,
        TimeProvider time,
        AgentMetrics metrics,
        ILogger<StepExecutor> logger,
        DesiredStateRecorder? desired = null)
    {
        _desired = desired;
        _options = options;
        _store = new StepStore(options.StepsDir, time);
        _backups = new BackupStore(options.BackupsDir);
        _guard = new PathGuard(options.AllowedRoots);
        _actions = actions.ToDictionary(a => a.Case);
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _concurrency = new SemaphoreSlim(options.MaxConcurrentSteps);
    }

    /// <summary>Starts the step; events (accepted, progress, result) go to the returned reader.</summary>
    public ChannelReader<ExecuteStepResponse> Start(ExecuteStepRequest request, CancellationToken stopping)
    {
        var channel = Channel.CreateUnbounded<ExecuteStepResponse>(new UnboundedChannelOptions { SingleReader = true });
        _ = Task.Run(async () =>
        {
            try
            {
                var result = await RunAsync(request, channel.Writer, stopping).ConfigureAwait(false);
                channel.Writer.TryWrite(new ExecuteStepResponse { Result = result });
            }
#pragma warning disable CA1031 // The execution boundary: every failure becomes a FAILED result.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogStepCrashed(_logger, e, request.RunId, request.StepId);
                channel.Writer.TryWrite(new ExecuteStepResponse { Result = Terminal(request, StepOutcome.Failed, $"agent error: {e.Message}") });
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);
        return channel.Reader;
    }

    public GetStepResultResponse GetResult(string runId, string stepId)
    {
        if (!StepStore.IsValidId(runId) || !StepStore.IsValidId(stepId))
        {
            return new GetStepResultResponse();
        }

        var result = _store.ReadResult(runId, stepId);
        if (result is not null)
        {
            result.Replayed = true;
            return new GetStepResultResponse { Found = true, Result = result };
        }

        return new GetStepResultResponse { Interrupted = _store.ReadRequest(runId, stepId) is not null && !IsRunning(runId, stepId) };
    }

    private bool IsRunning(string runId, string stepId) =>
        _stepLocks.TryGetValue(Key(runId, stepId), out var gate) && gate.CurrentCount == 0;

    private static string Key(string runId, string stepId) => runId + "/" + stepId;

    private async Task<StepResult> RunAsync(ExecuteStepRequest request, ChannelWriter<ExecuteStepResponse> events, CancellationToken stopping)
    {
        var invalid = Validate(request);
        if (invalid is not null)
        {
            return Terminal(request, StepOutcome.Refused, invalid);
        }

        var digest = RequestDigest(request);
        var gate = _stepLocks.GetOrAdd(Key(request.RunId, request.StepId), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            var recorded = request.Mode == StepMode.Check ? null : _store.ReadResult(request.RunId, request.StepId);
            if (recorded is not null)
            {
                if (recorded.RequestSha256 != digest)
                {
                    return Terminal(request, StepOutcome.Refused,
                        $"step id '{request.StepId}' of run '{request.RunId}' was already used for a different request; use a new step id");
                }

                recorded.Replayed = true;
                LogReplayed(_logger, request.RunId, request.StepId);
                return recorded;
            }

            if (request.Mode != StepMode.Check && _store.ReadRequest(request.RunId, request.StepId) is { } started && ChangesNode(started))
            {
                // Started before an agent stop and never finished: do not run it again blindly.
                var interrupted = Terminal(request, StepOutcome.Failed,
                    "interrupted: the agent stopped while this step was running; its backup is kept: roll it back or submit a new step id");
                interrupted.RequestSha256 = digest;
                _store.WriteResult(interrupted, durable: true);
                return interrupted;
            }

            await _concurrency.WaitAsync(stopping).ConfigureAwait(false);
            try
            {
                return await ExecuteAsync(request, digest, events, stopping).ConfigureAwait(false);
            }
            finally
            {
                _concurrency.Release();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<StepResult> ExecuteAsync(ExecuteStepRequest request, string digest, ChannelWriter<ExecuteStepResponse> events, CancellationToken stopping)
    {
        var durable = request.Mode != StepMode.Check;
        var changesNode = ChangesNode(request);
        if (durable)
        {
            _store.WriteRequest(request, durable: changesNode);
        }

        var started = _time.GetUtcNow();
        events.TryWrite(new ExecuteStepResponse
        {
            Accepted = new StepAccepted
            {
                RunId = request.RunId,
                StepId = request.StepId,
                Node = _options.NodeName,
                AcceptedAt = Timestamp.FromDateTimeOffset(started),
            },
        });
        LogAccepted(_logger, request.RunId, request.StepId, request.Mode);

        // A read-only action gets a dry-run transaction: it cannot write a file even by mistake.
        var files = new FileTransaction(_guard, _backups, request.RunId, request.StepId, dryRun: !durable || !changesNode);
        var context = new StepContext(request.RunId, request.StepId, _options.NodeName, !durable, files,
            (message, percent) =>
            {
                events.TryWrite(new ExecuteStepResponse
                {
                    Progress = new StepProgress { Message = message, Percent = percent, At = Timestamp.FromDateTimeOffset(_time.GetUtcNow()) },
                });
                return ValueTask.CompletedTask;
            },
            _time,
            _backups.StepDir(request.RunId, request.StepId))
        {
            RolledBackStepBackupDir = request.Mode == StepMode.Rollback && StepStore.IsValidId(request.RollbackOfStepId)
                ? _backups.StepDir(request.RunId, request.RollbackOfStepId)
                : string.Empty,
            RollbackOfStepId = request.Mode == StepMode.Rollback ? request.RollbackOfStepId : null,
        };

        ActionResult outcome;
        try
        {
            outcome = request.Mode == StepMode.Rollback
                ? await RollbackAsync(request, context, stopping).ConfigureAwait(false)
                : await _actions[request.Step.ActionCase].ExecuteAsync(request.Step, context, stopping).ConfigureAwait(false);
        }
        catch (PathNotAllowedException e)
        {
            outcome = ActionResult.Refused(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            outcome = ActionResult.Failed($"{e.GetType().Name}: {e.Message}");
        }

        if (!changesNode && (files.Changes.Count > 0 || context.Effects.Count > 0))
        {
            outcome = ActionResult.Failed($"agent error: action {request.Step.ActionCase} is read-only but reported changes; nothing was written");
        }

        var result = Terminal(request, outcome.Outcome, outcome.Reason);
        result.RequestSha256 = digest;
        result.StartedAt = Timestamp.FromDateTimeOffset(started);
        result.Changes.AddRange(files.Changes);
        result.Changed = files.Changes.Count > 0 || context.Effects.Count > 0;
        result.Effects.AddRange(context.Effects);
        result.Outputs.Add(context.Outputs);
        result.SecretOutputs.Add(context.SecretOutputs);
        if (durable)
        {
            _store.WriteResult(result, durable: changesNode);
            if (changesNode)
            {
                RecordDesired(request, files, context.Outputs, outcome.Outcome);
            }

            _metrics.StepExecuted(request.Mode == StepMode.Rollback ? "Rollback" : request.Step.ActionCase.ToString(), outcome.Outcome, _time.GetUtcNow() - started);
        }

        LogFinished(_logger, request.RunId, request.StepId, outcome.Outcome, result.Changed);
        return result;
    }

    /// <summary>What a successful step leaves behind becomes the drift monitor's desired state.</summary>
    private void RecordDesired(ExecuteStepRequest request, FileTransaction files, IReadOnlyDictionary<string, string> outputs, StepOutcome outcome)
    {
        if (_desired is null || outcome != StepOutcome.Succeeded)
        {
            return;
        }

        try
        {
            if (request.Mode == StepMode.Rollback)
            {
                _desired.RolledBack(request.RunId, request.RollbackOfStepId);
            }
            else
            {
                _desired.Applied(request, files, outputs);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogDesiredNotRecorded(_logger, e, request.RunId, request.StepId);
        }
    }

    /// <summary>
    /// Rollbacks and every action but the read-only ones (noop, probe). A read-only step's records
    /// do not wait for the disk, and an interrupted one is run again rather than reported.
    /// </summary>
    private bool ChangesNode(ExecuteStepRequest request) =>
        request.Mode == StepMode.Rollback ||
        request.Step is null ||
        !_actions.TryGetValue(request.Step.ActionCase, out var action) ||
        action.ChangesNode;

    private async Task<ActionResult> RollbackAsync(ExecuteStepRequest request, StepContext context, CancellationToken stopping)
    {
        var target = request.RollbackOfStepId;
        var original = _store.ReadRequest(request.RunId, target);
        if (original is null)
        {
            return ActionResult.Refused($"rollback: step '{target}' of run '{request.RunId}' was never executed on {_options.NodeName}");
        }

        var entries = _backups.Read(request.RunId, target);
        var restore = _actions.TryGetValue(original.Step.ActionCase, out var owner) ? owner.RestoreOptions(original.Step) : FileRestoreOptions.Default;
        foreach (var entry in entries.Reverse())
        {
            if (entry.Existed)
            {
                context.Files.Write(entry.Path, _backups.ReadContent(request.RunId, target, entry), entry.Mode,
                    secret: entry.Path.EndsWith(".key", StringComparison.Ordinal), restore.MaskDiff, restore.InPlaceWhenBusy);
            }
            else
            {
                context.Files.Delete(entry.Path);
            }
        }

        await context.ProgressAsync($"restored {entries.Count} file(s) of step {target}").ConfigureAwait(false);
        return _actions.TryGetValue(original.Step.ActionCase, out var action)
            ? await action.RollbackAsync(original.Step, context, stopping).ConfigureAwait(false)
            : ActionResult.Succeeded();
    }

    public void Dispose()
    {
        _concurrency.Dispose();
        foreach (var gate in _stepLocks.Values)
        {
            gate.Dispose();
        }
    }

    private string? Validate(ExecuteStepRequest request)
    {
        if (!StepStore.IsValidId(request.RunId))
        {
            return $"invalid run id '{request.RunId}': use 1-128 of [A-Za-z0-9._-], starting with a letter or digit";
        }

        if (!StepStore.IsValidId(request.StepId))
        {
            return $"invalid step id '{request.StepId}': use 1-128 of [A-Za-z0-9._-], starting with a letter or digit";
        }

        if (!string.IsNullOrEmpty(request.ExpectedNode) && request.ExpectedNode != _options.NodeName)
        {
            return $"this agent is node '{_options.NodeName}', not '{request.ExpectedNode}'";
        }

        switch (request.Mode)
        {
            case StepMode.Apply or StepMode.Check:
                if (request.Step is null || request.Step.ActionCase == StepSpec.ActionOneofCase.None)
                {
                    return "the step names no action";
                }

                if (!_actions.ContainsKey(request.Step.ActionCase))
                {
                    return $"action '{request.Step.ActionCase}' is not supported by this agent";
                }

                return null;
            case StepMode.Rollback:
                return StepStore.IsValidId(request.RollbackOfStepId) ? null : $"rollback: invalid rollback_of_step_id '{request.RollbackOfStepId}'";
            default:
                return "mode must be APPLY, CHECK or ROLLBACK";
        }
    }

    private StepResult Terminal(ExecuteStepRequest request, StepOutcome outcome, string reason) => new()
    {
        RunId = request.RunId,
        StepId = request.StepId,
        Node = _options.NodeName,
        Mode = request.Mode,
        Outcome = outcome,
        Reason = reason,
        FinishedAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
    };

    private static string RequestDigest(ExecuteStepRequest request)
    {
        var canonical = new ExecuteStepRequest
        {
            Mode = request.Mode,
            Step = request.Step,
            RollbackOfStepId = request.RollbackOfStepId,
        };
        return Convert.ToHexStringLower(SHA256.HashData(canonical.ToByteArray()));
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "step accepted {RunId} {StepId} mode {Mode}")]
    private static partial void LogAccepted(ILogger logger, string runId, string stepId, StepMode mode);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "step finished {RunId} {StepId}: {Outcome} changed={Changed}")]
    private static partial void LogFinished(ILogger logger, string runId, string stepId, StepOutcome outcome, bool changed);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "step {RunId} {StepId} already executed; replaying the recorded result")]
    private static partial void LogReplayed(ILogger logger, string runId, string stepId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "step {RunId} {StepId}: its desired state was not recorded; drift of its files goes unreported")]
    private static partial void LogDesiredNotRecorded(ILogger logger, Exception exception, string runId, string stepId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "step {RunId} {StepId} crashed")]
    private static partial void LogStepCrashed(ILogger logger, Exception exception, string runId, string stepId);
}
