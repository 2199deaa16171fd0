namespace KubeHa.Agent.Configuration;

/// <summary>Invalid agent configuration; carries every problem found.</summary>
internal sealed class ConfigException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
