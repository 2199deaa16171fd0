using System.Globalization;
using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Noop;

/// <summary>Changes nothing; emits progress. Used to prove the step protocol end to end.</summary>
internal sealed class NoopAction : IStepAction
{
    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.Noop;

    public bool ChangesNode => false;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var noop = spec.Noop;
        if (noop.ProgressEvents is < 0 or > 1000)
        {
            return ActionResult.Refused($"noop: progress_events must be 0..1000, got {noop.ProgressEvents}");
        }

        if (noop.DelayMs is < 0 or > 10_000)
        {
            return ActionResult.Refused($"noop: delay_ms must be 0..10000, got {noop.DelayMs}");
        }

        for (var i = 1; i <= noop.ProgressEvents; i++)
        {
            if (noop.DelayMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(noop.DelayMs), context.Time, cancellationToken).ConfigureAwait(false);
            }

            await context.ProgressAsync(string.Create(CultureInfo.InvariantCulture, $"noop {i}/{noop.ProgressEvents}"), i * 100 / noop.ProgressEvents).ConfigureAwait(false);
        }

        context.Outputs["executions"] = "1";
        return ActionResult.Succeeded();
    }
}
