using System.Security.Cryptography;
using Grpc.Core;
using KubeHa.Protos.Etcd;

namespace KubeHa.Agent.Actions.Etcd;

/// <summary>
/// Saves a snapshot from the first endpoint that streams one, checking the SHA-256 etcd
/// appends to the stream. The file is written 0600 beside a temporary name and renamed.
/// </summary>
internal static class EtcdSnapshot
{
    public const string FileName = "etcd-snapshot.db";

    public sealed record Saved(string Path, long Size, string Sha256, string Endpoint);

    public static async Task<Saved> SaveAsync(EtcdClient client, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(directory, FileName);
        var errors = new List<string>();
        foreach (var endpoint in client.Endpoints)
        {
            var temp = path + ".part";
            try
            {
                // A snapshot of a large database takes longer than one call's timeout.
                using var deadline = client.Deadline(cancellationToken, client.Timeout * 60);
                using var call = client.Maintenance(endpoint).Snapshot(new SnapshotRequest(), cancellationToken: deadline.Token);
                await using (var file = new FileStream(temp, new FileStreamOptions
                {
                    Mode = FileMode.Create,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }))
                {
                    await foreach (var chunk in call.ResponseStream.ReadAllAsync(deadline.Token).ConfigureAwait(false))
                    {
                        await file.WriteAsync(chunk.Blob.Memory, deadline.Token).ConfigureAwait(false);
                    }

                    await file.FlushAsync(deadline.Token).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                }

                var check = Verify(temp);
                if (check is not null)
                {
                    errors.Add($"{endpoint}: {check}");
                    File.Delete(temp);
                    continue;
                }

                File.Move(temp, path, overwrite: true);
                await using var read = File.OpenRead(path);
                var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(read, cancellationToken).ConfigureAwait(false));
                return new Saved(path, read.Length, sha, endpoint);
            }
            catch (RpcException e)
            {
                errors.Add($"{endpoint}: {EtcdClient.Describe(e)}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                errors.Add($"{endpoint}: timed out");
            }

            File.Delete(temp);
        }

        throw new EtcdUnavailableException($"no etcd endpoint delivered a snapshot: {string.Join("; ", errors)}");
    }

    /// <summary>etcd 3.x appends SHA-256 of the database to the stream; check it.</summary>
    /// <returns>null when intact, else the reason.</returns>
    private static string? Verify(string path)
    {
        using var file = File.OpenRead(path);
        if (file.Length <= SHA256.HashSizeInBytes)
        {
            return $"snapshot is only {file.Length} bytes";
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        var remaining = file.Length - SHA256.HashSizeInBytes;
        while (remaining > 0)
        {
            var n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (n == 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, n);
            remaining -= n;
        }

        var trailer = new byte[SHA256.HashSizeInBytes];
        file.ReadExactly(trailer);
        return hash.GetHashAndReset().AsSpan().SequenceEqual(trailer) ? null : "snapshot SHA-256 trailer does not match its content (corrupt transfer)";
    }
}
