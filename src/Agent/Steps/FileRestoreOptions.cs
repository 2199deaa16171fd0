namespace KubeHa.Agent.Steps;

/// <summary>See <see cref="IStepAction.RestoreOptions"/> and <see cref="Files.FileTransaction.Write(string, byte[], UnixFileMode, bool, Func{string, string}?, bool)"/>.</summary>
internal sealed record FileRestoreOptions(Func<string, string>? MaskDiff = null, bool InPlaceWhenBusy = false)
{
    public static FileRestoreOptions Default { get; } = new();
}
