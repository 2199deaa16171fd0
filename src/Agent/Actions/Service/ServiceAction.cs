using System.Text.RegularExpressions;
using KubeHa.Agent.Services;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using ServiceSpec = KubeHa.Protos.Agent.V1.ServiceAction;

namespace KubeHa.Agent.Actions.Service;

/// <summary>
/// Start, stop, restart, reload, enable, disable or check one service through the configured
/// <see cref="IServiceManager"/>. Idempotent (start of an active service changes nothing);
/// CHECK says what would change; the state before is recorded for ROLLBACK (see the proto).
/// </summary>
internal sealed partial class ServiceAction(IServiceManager manager) : IStepAction
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9@._:-]{0,254}$")]
    private static partial Regex NamePattern();

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.Service;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var s = spec.Service;
        var refusal = Validate(s, context.Node);
        if (refusal is not null)
        {
            return ActionResult.Refused(refusal);
        }

        ServiceState state;
        try
        {
            state = await manager.GetStateAsync(s.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceManagerException e)
        {
            return ActionResult.Failed($"service {s.Name} on {context.Node}: {e.Message}");
        }

        if (!state.Known)
        {
            return ActionResult.Refused($"service {s.Name} on {context.Node}: unknown to {manager.Name}");
        }

        context.Outputs["active_before"] = state.Active ? "true" : "false";
        if (s.Operation == ServiceOperation.IsActive)
        {
            return state.Active != s.ExpectInactive
                ? ActionResult.Succeeded()
                : ActionResult.Failed($"service {s.Name} on {context.Node} is {state.Description}, expected {(s.ExpectInactive ? "inactive" : "active")}");
        }

        var verb = Plan(s.Operation, state, out var why);
        if (verb is null)
        {
            await context.ProgressAsync($"{s.Name}: {why}; nothing to do").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        if (s.Operation == ServiceOperation.Reload && !state.Active)
        {
            return ActionResult.Failed($"service {s.Name} on {context.Node} is {state.Description}: nothing to reload (start it first)");
        }

        if (context.DryRun)
        {
            context.Effects.Add($"would {Word(verb.Value)} {s.Name} ({manager.Name}; now {state.Description})");
            return ActionResult.Succeeded();
        }

        Directory.CreateDirectory(context.BackupDir);
        ServiceStateRecord.Write(context.BackupDir, state);
        return await ApplyAsync(verb.Value, s.Name, context, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ActionResult> RollbackAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var s = spec.Service;
        var before = ServiceStateRecord.Read(context.RolledBackStepBackupDir);
        if (before is null)
        {
            await context.ProgressAsync($"{s.Name}: the step changed nothing; nothing to undo").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        if (manager.Unavailable() is { } unavailable)
        {
            return ActionResult.Failed($"service {s.Name} on {context.Node}: {unavailable}");
        }

        ServiceState now;
        try
        {
            now = await manager.GetStateAsync(s.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceManagerException e)
        {
            return ActionResult.Failed($"service {s.Name} on {context.Node}: {e.Message}");
        }

        var verb = s.Operation switch
        {
            ServiceOperation.Enable or ServiceOperation.Disable when before.Enabled is { } enabled && now.Enabled != enabled =>
                enabled ? ServiceVerb.Enable : ServiceVerb.Disable,
            // A restarted or reloaded service runs again with the files restored before this rollback.
            ServiceOperation.Restart or ServiceOperation.Reload when before.Active && now.Active =>
                s.Operation == ServiceOperation.Restart ? ServiceVerb.Restart : ServiceVerb.Reload,
            ServiceOperation.Start or ServiceOperation.Stop or ServiceOperation.Restart or ServiceOperation.Reload when before.Active != now.Active =>
                before.Active ? ServiceVerb.Start : ServiceVerb.Stop,
            _ => (ServiceVerb?)null,
        };
        if (verb is null)
        {
            await context.ProgressAsync($"{s.Name}: already as before the step ({now.Description})").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }

        return await ApplyAsync(verb.Value, s.Name, context, cancellationToken).ConfigureAwait(false);
    }

    private string? Validate(ServiceSpec s, string node)
    {
        if (!NamePattern().IsMatch(s.Name))
        {
            return $"service on {node}: invalid name '{s.Name}' (letters, digits and @._:- only, not starting with a symbol)";
        }

        if (s.Operation is ServiceOperation.Unspecified || !Enum.IsDefined(s.Operation))
        {
            return $"service {s.Name} on {node}: operation is required (start, stop, restart, reload, enable, disable, is-active)";
        }

        return manager.Unavailable() is { } unavailable ? $"service {s.Name} on {node}: {unavailable}" : null;
    }

    /// <returns>The verb to run, or null (with the reason) when the service is already as asked.</returns>
    private ServiceVerb? Plan(ServiceOperation operation, ServiceState state, out string why)
    {
        why = string.Empty;
        switch (operation)
        {
            case ServiceOperation.Start when state.Active:
                why = "already active";
                return null;
            case ServiceOperation.Stop when !state.Active:
                why = $"already {state.Description}";
                return null;
            case ServiceOperation.Enable or ServiceOperation.Disable when !manager.SupportsEnable:
                why = $"the {manager.Name} service manager has no boot-time enablement";
                return null;
            case ServiceOperation.Enable when state.Enabled is null or true:
                why = state.Enabled is null ? $"not enableable ({state.Description})" : "already enabled";
                return null;
            case ServiceOperation.Disable when state.Enabled is null or false:
                why = state.Enabled is null ? $"not enableable ({state.Description})" : "already disabled";
                return null;
        }

        return operation switch
        {
            ServiceOperation.Start => ServiceVerb.Start,
            ServiceOperation.Stop => ServiceVerb.Stop,
            ServiceOperation.Restart => ServiceVerb.Restart,
            ServiceOperation.Reload => ServiceVerb.Reload,
            ServiceOperation.Enable => ServiceVerb.Enable,
            _ => ServiceVerb.Disable,
        };
    }

    private async Task<ActionResult> ApplyAsync(ServiceVerb verb, string name, StepContext context, CancellationToken cancellationToken)
    {
        await context.ProgressAsync($"{Word(verb)} {name} ({manager.Name})").ConfigureAwait(false);
        var result = await manager.RunAsync(verb, name, cancellationToken).ConfigureAwait(false);
        if (!result.Ok)
        {
            return ActionResult.Failed($"service {name} on {context.Node}: {result.Message}");
        }

        context.Effects.Add($"{Past(verb)} {name}");
        if (verb is ServiceVerb.Enable or ServiceVerb.Disable)
        {
            return ActionResult.Succeeded();
        }

        ServiceState after;
        try
        {
            after = await manager.GetStateAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceManagerException e)
        {
            return ActionResult.Failed($"service {name} on {context.Node}: {Word(verb)} returned, but its state is unknown: {e.Message}");
        }

        context.Outputs["active_after"] = after.Active ? "true" : "false";
        var expectActive = verb != ServiceVerb.Stop;
        return after.Active == expectActive
            ? ActionResult.Succeeded()
            : ActionResult.Failed($"service {name} on {context.Node}: {Word(verb)} returned but the service is {after.Description}");
    }

    private static string Word(ServiceVerb verb) => verb.ToString().ToLowerInvariant();

    private static string Past(ServiceVerb verb) => verb switch
    {
        ServiceVerb.Stop => "stopped",
        ServiceVerb.Start => "started",
        ServiceVerb.Restart => "restarted",
        ServiceVerb.Reload => "reloaded",
        ServiceVerb.Enable => "enabled",
        _ => "disabled",
    };
}
