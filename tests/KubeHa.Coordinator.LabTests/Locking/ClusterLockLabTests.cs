using KubeHa.Coordinator.Locking;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.LabTests.Locking;

/// <summary>The cluster-wide Lease lock against the lab's API server.</summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class ClusterLockLabTests(ClusterLab lab)
{
    [LabFact]
    public async Task Acquire_WhileAnotherHolds_RefusedNamingHolderThenAcquiredAfterRelease()
    {
        lab.RequireUp();
        var locks = new ClusterLock(lab.Client, TimeProvider.System);
        var first = ClusterLock.HolderFor("run-a");
        var second = ClusterLock.HolderFor("run-b");

        await using var a = await locks.AcquireAsync(first, default);
        var refused = await Assert.ThrowsAsync<ClusterLockHeldException>(() => locks.AcquireAsync(second, default));

        Assert.Equal(first, refused.Holder);
        Assert.EndsWith("/run-a", first, StringComparison.Ordinal);
        Assert.NotNull(refused.RenewTime);
        Assert.StartsWith($"the cluster lock (Lease kube-system/kubeha-coordinator) is held by '{first}', last renewed {refused.RenewTime:yyyy-MM-dd'T'HH:mm:ss'Z'} (expires ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("another kubeha run is in progress", refused.Message, StringComparison.Ordinal);

        await a.ReleaseAsync(default);
        Assert.Null((await locks.ReadAsync(default))!.Spec.HolderIdentity);
        await using var b = await locks.AcquireAsync(second, default);
        Assert.Equal(second, (await locks.ReadAsync(default))!.Spec.HolderIdentity);
    }

    [LabFact]
    public async Task Acquire_HolderStoppedRenewing_TakenOverAfterExpiryAndOldHolderSeesLoss()
    {
        lab.RequireUp();
        var locks = new ClusterLock(lab.Client, TimeProvider.System, new ClusterLockOptions { Name = "kubeha-coordinator-expiry", LeaseDuration = TimeSpan.FromSeconds(2), RenewInterval = TimeSpan.FromSeconds(1) });
        await using var crashed = await locks.AcquireAsync("host-a/run-1", default);
        await crashed.StopRenewingAsync();

        await Assert.ThrowsAsync<ClusterLockHeldException>(() => locks.AcquireAsync("host-b/run-2", default));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await using var taker = await locks.AcquireAsync("host-b/run-2", default);

        var lease = (await locks.ReadAsync(default))!;
        Assert.Equal("host-b/run-2", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        Assert.False(await crashed.RenewAsync(default));
        Assert.True(crashed.Lost.IsCancellationRequested);
        Assert.Equal("cluster lock lost: the lease is now held by 'host-b/run-2'", crashed.LostReason);
    }

    [LabFact]
    public async Task Acquire_HolderRenewingInBackground_StaysHeldPastItsDuration()
    {
        lab.RequireUp();
        var locks = new ClusterLock(lab.Client, TimeProvider.System, new ClusterLockOptions { Name = "kubeha-coordinator-renew", LeaseDuration = TimeSpan.FromSeconds(3), RenewInterval = TimeSpan.FromSeconds(1) });
        await using var holder = await locks.AcquireAsync("host-a/run-1", default);
        var acquiredAt = holder.Lease.Spec.RenewTime;

        await Task.Delay(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<ClusterLockHeldException>(() => locks.AcquireAsync("host-b/run-2", default));
        Assert.True((await locks.ReadAsync(default))!.Spec.RenewTime > acquiredAt);
        Assert.False(holder.Lost.IsCancellationRequested);
        await holder.ReleaseAsync(default);
        await using var next = await locks.AcquireAsync("host-b/run-2", default);
    }
}
