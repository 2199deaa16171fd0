using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Steps;

/// <summary>
/// One typed action. Implementations are idempotent: applying twice changes nothing the
/// second time. Files are changed only through <see cref="StepContext.Files"/>, which gives
/// dry-run, backup and atomic writes for free.
/// </summary>
internal interface IStepAction
{
    StepSpec.ActionOneofCase Case { get; }

    Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken);

    /// <summary>
    /// False for an action that only reads (noop, probe). The executor gives it a dry-run file
    /// transaction, fails it if it reports a change, records its request and result without
    /// waiting for the disk (<see cref="StepLog"/>), runs it again if it was interrupted, and
    /// records no desired state for it.
    /// </summary>
    bool ChangesNode => true;

    /// <summary>
    /// Undo effects that are not files (files are restored by the executor from the backup).
    /// Called after the files were restored.
    /// </summary>
    Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken) =>
        Task.FromResult(ActionResult.Succeeded());

    /// <summary>
    /// How the executor rewrites this action's files when it restores them on rollback: the
    /// same diff mask (secrets) and bind-mount fallback the action used when it wrote them.
    /// </summary>
    FileRestoreOptions RestoreOptions(StepSpec spec) => FileRestoreOptions.Default;
}
