namespace KubeHa.Agent.LabTests.Fixture;

[CollectionDefinition(Name)]
public sealed class AgentLabGroup : ICollectionFixture<AgentLab>
{
    public const string Name = "agent-lab";
}
