using System.Globalization;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Probe;

/// <summary>
/// A read-only health gate: TCP connect, verified TLS handshake, or HTTPS GET, retried until
/// one attempt passes or the attempts run out. Changes nothing, in either mode.
/// </summary>
internal sealed class ProbeAction : IStepAction
{
    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.Probe;

    public bool ChangesNode => false;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var p = spec.Probe;
        var errors = ProbeSettings.Validate(p);
        if (errors.Count > 0)
        {
            return ActionResult.Refused($"probe on {context.Node}: {string.Join("; ", errors)}");
        }

        using var settings = ProbeSettings.Load(p, out var loadError);
        if (settings is null)
        {
            return ActionResult.Refused($"probe on {context.Node}: {loadError}");
        }

        var target = $"{p.Kind} {p.Host}:{p.Port}{(p.Kind == ProbeKind.Https ? settings.Path : string.Empty)}";
        if (context.DryRun)
        {
            // A dry run says whether the gate passes now; waiting out every attempt would only
            // make `kubeha plan` slow (a VIP that does not exist yet times out 30 times).
            var now = await ProbeAttempt.RunAsync(settings, context, cancellationToken).ConfigureAwait(false);
            return now is null
                ? ActionResult.Succeeded()
                : ActionResult.Failed($"probe {target} from {context.Node} does not pass now (dry run: one attempt; the run tries {settings.Attempts} time(s)): {now}");
        }

        string? last = null;
        for (var attempt = 1; attempt <= settings.Attempts; attempt++)
        {
            last = await ProbeAttempt.RunAsync(settings, context, cancellationToken).ConfigureAwait(false);
            if (last is null)
            {
                context.Outputs["attempts"] = attempt.ToString(CultureInfo.InvariantCulture);
                await context.ProgressAsync($"probe {target} passed on attempt {attempt}").ConfigureAwait(false);
                return ActionResult.Succeeded();
            }

            await context.ProgressAsync($"probe {target} attempt {attempt}/{settings.Attempts}: {last}").ConfigureAwait(false);
            if (attempt < settings.Attempts)
            {
                await Task.Delay(settings.Interval, context.Time, cancellationToken).ConfigureAwait(false);
            }
        }

        context.Outputs["attempts"] = settings.Attempts.ToString(CultureInfo.InvariantCulture);
        return ActionResult.Failed($"probe {target} from {context.Node} failed after {settings.Attempts} attempt(s): {last}");
    }
}
