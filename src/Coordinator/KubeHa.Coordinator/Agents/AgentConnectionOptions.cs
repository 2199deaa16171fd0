namespace KubeHa.Coordinator.Agents;

public sealed class AgentConnectionOptions
{
    /// <summary>Steps in flight per agent connection.</summary>
    public int MaxConcurrentCallsPerAgent { get; init; } = 32;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Deadline of unary calls (facts, results).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Retries of an unreachable agent before its call fails.</summary>
    public int Retries { get; init; } = 5;
    /// <summary>First retry delay; doubles per retry (0.25 + 0.5 + 1 + 2 + 4 s by default).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The channel's longest reconnect backoff: the last retry delay (less the 20 % jitter of
    /// gRPC's backoff), between 200 ms and 5 s, so that a restarted agent is connected to again
    /// before the last retry.
    /// </summary>
    public TimeSpan MaxReconnectBackoff
    {
        get
        {
            var last = RetryBaseDelay * Math.Pow(2, Math.Max(0, Retries - 1)) * 0.8;
            return TimeSpan.FromTicks(Math.Clamp(last.Ticks, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(5).Ticks));
        }
    }
}
