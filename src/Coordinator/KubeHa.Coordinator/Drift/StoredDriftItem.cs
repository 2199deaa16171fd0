using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Drift;

/// <summary>A drift item as stored: who reported it, when it was last seen, and when it closed (null while open).</summary>
public sealed record StoredDriftItem(DriftItem Item, string Reporter, string LastSeen, string? ClosedAt);
