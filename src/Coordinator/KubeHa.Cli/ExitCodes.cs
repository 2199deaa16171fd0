namespace KubeHa.Cli;

internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The job failed (a step failed, an agent was unreachable ...).</summary>
    public const int Failure = 1;
    /// <summary>Bad usage or bad input (invalid inventory, unknown node ...).</summary>
    public const int BadInput = 2;
}
