using KubeHa.Agent.Actions.Etcd;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Actions.Etcd;

[Trait(Categories.Name, Categories.Unit)]
public sealed class EtcdQuorumTests
{
    private static List<MemberState> Members(params (bool Healthy, bool Learner)[] members) =>
        [.. members.Select((m, i) => new MemberState((ulong)(i + 1), $"m{i + 1}", [], [], m.Learner, m.Healthy, string.Empty))];

    [Fact]
    public void CheckRemove_ThreeHealthy_Allowed() =>
        Assert.Null(EtcdQuorum.CheckRemove(Members((true, false), (true, false), (true, false)), 1));

    [Fact]
    public void CheckRemove_HealthyMemberWhenAnotherIsDown_Refused() =>
        Assert.Contains("would lose quorum", EtcdQuorum.CheckRemove(Members((true, false), (true, false), (false, false)), 1), StringComparison.Ordinal);

    [Fact]
    public void CheckRemove_TheDownMemberOfThree_Allowed() =>
        Assert.Null(EtcdQuorum.CheckRemove(Members((true, false), (true, false), (false, false)), 3));

    [Fact]
    public void CheckRemove_TwoOfThreeDown_RefusedNoQuorumNow() =>
        Assert.Contains("no quorum now", EtcdQuorum.CheckRemove(Members((true, false), (false, false), (false, false)), 3), StringComparison.Ordinal);

    [Fact]
    public void CheckRemove_Learner_AllowedWhenQuorumHolds() =>
        Assert.Null(EtcdQuorum.CheckRemove(Members((true, false), (true, false), (false, true)), 3));

    [Fact]
    public void CheckRemove_LastVoter_Refused() =>
        Assert.Contains("last voting member", EtcdQuorum.CheckRemove(Members((true, false)), 1), StringComparison.Ordinal);

    [Fact]
    public void CheckAdd_VoterToThreeWithOneDown_Refused() =>
        Assert.Contains("would lose quorum", EtcdQuorum.CheckAdd(Members((true, false), (true, false), (false, false)), learner: false), StringComparison.Ordinal);

    [Fact]
    public void CheckAdd_LearnerToThreeWithOneDown_Allowed() =>
        Assert.Null(EtcdQuorum.CheckAdd(Members((true, false), (true, false), (false, false)), learner: true));

    [Fact]
    public void CheckAdd_VoterToSingleHealthy_Allowed() =>
        Assert.Null(EtcdQuorum.CheckAdd(Members((true, false)), learner: false));

    [Fact]
    public void CheckPromote_UnhealthyLearnerWithOneVoterDown_Refused() =>
        Assert.Contains("would lose quorum", EtcdQuorum.CheckPromote(Members((true, false), (true, false), (false, false), (false, true)), 4), StringComparison.Ordinal);
}
