namespace KubeHa.Agent.Files;

/// <summary>What a step left in a file: its content and mode, or null content when it deleted it.</summary>
internal sealed record WrittenFile(byte[]? Content, UnixFileMode Mode, bool Secret);
