namespace KubeHa.Common.Yaml;

/// <summary>Replace Start..End (character indexes) of the original text; inserts at one position land in ascending Order.</summary>
public sealed record TextEdit(int Start, int End, string Replacement, int Order = 0);
