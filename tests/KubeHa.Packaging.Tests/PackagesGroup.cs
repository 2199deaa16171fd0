namespace KubeHa.Packaging.Tests;

/// <summary>Every packaging test shares one build of the packages.</summary>
[CollectionDefinition(Name)]
public sealed class PackagesGroup : ICollectionFixture<PackagesFixture>
{
    public const string Name = "Packages";
}
