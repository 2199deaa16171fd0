namespace KubeHa.Agent.Actions.Etcd;

/// <summary>
/// Quorum arithmetic over voting members (learners do not vote). A change is refused unless
/// healthy voters are a majority both now and after the change.
/// </summary>
internal static class EtcdQuorum
{
    public static int Majority(int voters) => (voters / 2) + 1;

    /// <returns>null when removing <paramref name="targetId"/> keeps quorum, else the reason.</returns>
    public static string? CheckRemove(IReadOnlyList<MemberState> members, ulong targetId)
    {
        var target = members.Single(m => m.Id == targetId);
        var voters = members.Count(m => !m.IsLearner);
        var healthy = members.Count(m => !m.IsLearner && m.Healthy);
        if (healthy < Majority(voters))
        {
            return $"the cluster has no quorum now: {healthy} of {voters} voting members healthy, quorum is {Majority(voters)}; refusing to remove {target.IdHex}";
        }

        if (target.IsLearner)
        {
            return null;
        }

        var votersAfter = voters - 1;
        var healthyAfter = healthy - (target.Healthy ? 1 : 0);
        if (votersAfter == 0)
        {
            return $"{target.IdHex} is the last voting member; refusing to remove it";
        }

        return healthyAfter < Majority(votersAfter)
            ? $"removing {target.IdHex} would lose quorum: {healthyAfter} of {votersAfter} remaining voting members healthy, quorum would be {Majority(votersAfter)}"
            : null;
    }

    /// <returns>null when adding a member keeps quorum, else the reason.</returns>
    public static string? CheckAdd(IReadOnlyList<MemberState> members, bool learner)
    {
        var voters = members.Count(m => !m.IsLearner);
        var healthy = members.Count(m => !m.IsLearner && m.Healthy);
        if (healthy < Majority(voters))
        {
            return $"the cluster has no quorum now: {healthy} of {voters} voting members healthy, quorum is {Majority(voters)}";
        }

        if (learner)
        {
            return null;
        }

        // Growing from one member always leaves the cluster waiting for the new one (etcd allows it too).
        if (voters == 1)
        {
            return null;
        }

        // The new voter is not running yet, so it counts as unhealthy until it joins.
        return healthy < Majority(voters + 1)
            ? $"adding a voting member would lose quorum: quorum would be {Majority(voters + 1)} of {voters + 1} but only {healthy} members are healthy; add it as a learner or fix the unhealthy members first"
            : null;
    }

    /// <returns>null when promoting <paramref name="learnerId"/> keeps quorum, else the reason.</returns>
    public static string? CheckPromote(IReadOnlyList<MemberState> members, ulong learnerId)
    {
        var learner = members.Single(m => m.Id == learnerId);
        var voters = members.Count(m => !m.IsLearner) + 1;
        var healthy = members.Count(m => !m.IsLearner && m.Healthy) + (learner.Healthy ? 1 : 0);
        return healthy < Majority(voters)
            ? $"promoting {learner.IdHex} would lose quorum: {healthy} of {voters} voting members healthy, quorum would be {Majority(voters)}"
            : null;
    }
}
