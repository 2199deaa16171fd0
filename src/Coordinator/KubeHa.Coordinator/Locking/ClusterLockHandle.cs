using System.Net;
using k8s.Autorest;
using k8s.Models;

namespace KubeHa.Coordinator.Locking;

/// <summary>
/// A held cluster lock: renewed in the background every RenewInterval until released.
/// <see cref="Lost"/> is cancelled when the lease was taken over or could not be renewed
/// within its duration; the run must then stop.
/// </summary>
public sealed class ClusterLockHandle : IAsyncDisposable
{
    private readonly ClusterLock _owner;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _renewing = Task.CompletedTask;
    private DateTimeOffset _lastRenew;
    private bool _released;

    private ClusterLockHandle(ClusterLock owner, string holder, V1Lease lease)
    {
        _owner = owner;
        Holder = holder;
        Lease = lease;
        _lastRenew = owner.Time.GetUtcNow();
    }

    public string Holder { get; }

    /// <summary>The lease as last written by this holder.</summary>
    public V1Lease Lease { get; private set; }

    public CancellationToken Lost => _lost.Token;

    /// <summary>Why the lock was lost (empty while held).</summary>
    public string LostReason { get; private set; } = string.Empty;

    internal static ClusterLockHandle Start(ClusterLock owner, string holder, V1Lease lease)
    {
        var handle = new ClusterLockHandle(owner, holder, lease);
        handle._renewing = handle.RenewLoopAsync();
        return handle;
    }

    /// <summary>Renews once now (also what the background loop does).</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        var time = _owner.Time;
        try
        {
            var lease = await _owner.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (lease?.Spec?.HolderIdentity != Holder)
            {
                MarkLost($"the lease is now held by '{lease?.Spec?.HolderIdentity ?? "(nobody: deleted)"}'");
                return false;
            }

            lease.Spec.RenewTime = time.GetUtcNow().UtcDateTime;
            Lease = await _owner.ReplaceAsync(lease, cancellationToken).ConfigureAwait(false);
            _lastRenew = time.GetUtcNow();
            return true;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            if (time.GetUtcNow() - _lastRenew >= _owner.Options.LeaseDuration)
            {
                MarkLost($"not renewed for {_owner.Options.LeaseDuration.TotalSeconds} s: {e.Message}");
            }

            return false;
        }
    }

    /// <summary>Stops renewing and gives the lease up (holder cleared) if it is still ours.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        await StopRenewingAsync().ConfigureAwait(false);
        if (_released || _lost.IsCancellationRequested)
        {
            return;
        }

        _released = true;
        var lease = await _owner.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (lease?.Spec?.HolderIdentity != Holder)
        {
            return;
        }

        lease.Spec.HolderIdentity = null;
        try
        {
            Lease = await _owner.ReplaceAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Changed since read: renewed by nobody but us, so someone took it over; nothing of ours to release.
        }
    }

    /// <summary>Stops renewing without releasing, as a coordinator that died would (tests, shutdown on a lost lock).</summary>
    public Task StopRenewingAsync()
    {
        _stop.Cancel();
        return _renewing;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
            _lost.Dispose();
        }
    }

    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(_owner.Options.RenewInterval, _owner.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (!await RenewAsync(_stop.Token).ConfigureAwait(false) && _lost.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Released or stopped.
        }
    }

    private void MarkLost(string reason)
    {
        LostReason = $"cluster lock lost: {reason}";
        _lost.Cancel();
    }
}
