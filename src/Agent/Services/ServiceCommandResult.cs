namespace KubeHa.Agent.Services;

/// <summary>Outcome of one service command; <see cref="Message"/> says what failed and where.</summary>
internal sealed record ServiceCommandResult(bool Ok, string Message)
{
    public static ServiceCommandResult Success { get; } = new(true, string.Empty);
}
