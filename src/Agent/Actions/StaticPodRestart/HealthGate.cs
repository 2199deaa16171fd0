using KubeHa.Agent.Actions.Probe;
using KubeHa.Agent.Steps;

namespace KubeHa.Agent.Actions.StaticPodRestart;

/// <summary>Polls a static pod's health endpoint until it answers, or until it stops answering.</summary>
internal sealed class HealthGate(ProbeSettings probe, TimeSpan interval, StepContext context)
{
    /// <summary>Waits until one probe attempt passes (<paramref name="up"/>) or fails (!<paramref name="up"/>).</summary>
    /// <returns>(reached, elapsed, the last attempt's error when it did not pass)</returns>
    public async Task<(bool Reached, TimeSpan Elapsed, string? Last)> WaitAsync(bool up, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = context.Time.GetTimestamp();
        string? last = null;
        while (true)
        {
            last = await ProbeAttempt.RunAsync(probe, context, cancellationToken).ConfigureAwait(false);
            var elapsed = context.Time.GetElapsedTime(start);
            if ((last is null) == up)
            {
                return (true, elapsed, last);
            }

            if (elapsed + interval > timeout)
            {
                return (false, elapsed, last);
            }

            await Task.Delay(interval, context.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}
