using System.Globalization;
using KubeHa.Protos.Etcd;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>A member as listed, with the result of its health probe.</summary>
internal sealed record MemberState(ulong Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls, bool IsLearner, bool Healthy, string Error)
{
    public static MemberState From(Member m, bool healthy, string error) =>
        new(m.ID, m.Name, [.. m.PeerURLs], [.. m.ClientURLs], m.IsLearner, healthy, error);

    public string IdHex => Id.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Like etcdctl's member list: id, name, peer URLs, client URLs, learner.</summary>
    public string Describe() =>
        $"{IdHex} name={(Name.Length == 0 ? "(unstarted)" : Name)} peers={string.Join(",", PeerUrls)} clients={string.Join(",", ClientUrls)}" +
        (IsLearner ? " learner" : string.Empty) + (Healthy ? " healthy" : $" unhealthy({Error})");
}
