using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeHa.Coordinator.Locking;

/// <summary>
/// The cluster-wide lock that keeps two coordinators from running at once: a
/// coordination.k8s.io/v1 Lease (kube-system/kubeha-coordinator by default) held by
/// "HOST/RUN_ID". Acquiring refuses, naming the holder and its renew time, while another
/// holder renews it; a lease not renewed for its duration (a dead coordinator) or released
/// is taken over. Every write carries the resourceVersion read, so two acquirers racing
/// for the same lease cannot both win.
/// </summary>
public sealed class ClusterLock(IKubernetes client, TimeProvider time, ClusterLockOptions? options = null)
{
    public ClusterLockOptions Options { get; } = options ?? new ClusterLockOptions();

    internal IKubernetes Client => client;

    internal TimeProvider Time => time;

    /// <summary>The holder identity of run <paramref name="runId"/> on this host.</summary>
    public static string HolderFor(string runId) => $"{Dns.GetHostName()}/{runId}";

    /// <summary>Takes the lock for <paramref name="holder"/> and starts renewing it in the background.</summary>
    /// <exception cref="ClusterLockHeldException">Another live holder has it.</exception>
    public async Task<ClusterLockHandle> AcquireAsync(string holder, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var lease = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        if (lease is null)
        {
            try
            {
                lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(NewLease(holder, now), Options.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                return ClusterLockHandle.Start(this, holder, lease);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // Another acquirer created it first.
                lease = await ReadAsync(cancellationToken).ConfigureAwait(false);
                if (lease is null)
                {
                    throw;
                }

                throw Held(lease, now);
            }
        }

        var current = lease.Spec?.HolderIdentity;
        if (!string.IsNullOrEmpty(current) && current != holder && !IsExpired(lease, now))
        {
            throw Held(lease, now);
        }

        lease.Spec ??= new V1LeaseSpec();
        if (current != holder)
        {
            lease.Spec.AcquireTime = now;
            lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + (string.IsNullOrEmpty(current) ? 0 : 1);
        }

        lease.Spec.HolderIdentity = holder;
        lease.Spec.RenewTime = now;
        lease.Spec.LeaseDurationSeconds = (int)Options.LeaseDuration.TotalSeconds;
        try
        {
            lease = await ReplaceAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var winner = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (winner is null)
            {
                throw;
            }

            throw Held(winner, now);
        }

        return ClusterLockHandle.Start(this, holder, lease);
    }

    /// <summary>The lease as it is now, or null when there is none.</summary>
    public async Task<V1Lease?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoordinationV1.ReadNamespacedLeaseAsync(Options.Name, Options.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    internal Task<V1Lease> ReplaceAsync(V1Lease lease, CancellationToken cancellationToken) =>
        client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, Options.Name, Options.Namespace, cancellationToken: cancellationToken);

    /// <summary>Expired: not renewed within its duration (or never renewed).</summary>
    public static bool IsExpired(V1Lease lease, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var renewed = lease.Spec?.RenewTime ?? lease.Spec?.AcquireTime;
        var duration = TimeSpan.FromSeconds(lease.Spec?.LeaseDurationSeconds ?? 0);
        return renewed is null || renewed.Value.ToUniversalTime() + duration <= now;
    }

    private V1Lease NewLease(string holder, DateTime now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta { Name = Options.Name, NamespaceProperty = Options.Namespace, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "kubeha" } },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = holder,
            AcquireTime = now,
            RenewTime = now,
            LeaseDurationSeconds = (int)Options.LeaseDuration.TotalSeconds,
            LeaseTransitions = 0,
        },
    };

    private ClusterLockHeldException Held(V1Lease lease, DateTime now)
    {
        var holder = lease.Spec?.HolderIdentity ?? string.Empty;
        var renewed = lease.Spec?.RenewTime?.ToUniversalTime();
        var expires = renewed + TimeSpan.FromSeconds(lease.Spec?.LeaseDurationSeconds ?? 0);
        var renewedText = renewed?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "never";
        var expiresText = expires?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "now";
        var left = Math.Max(0, (expires - now)?.TotalSeconds ?? 0).ToString("0", CultureInfo.InvariantCulture);
        var message = $"the cluster lock (Lease {Options.Namespace}/{Options.Name}) is held by '{holder}', last renewed {renewedText} " +
                      $"(expires {expiresText}, in {left} s unless renewed): another kubeha run is in progress. " +
                      "Wait for it to finish; a coordinator that died is taken over once its lease expires.";
        return new ClusterLockHeldException(message) { Holder = holder, RenewTime = renewed is null ? null : new DateTimeOffset(renewed.Value, TimeSpan.Zero) };
    }
}
