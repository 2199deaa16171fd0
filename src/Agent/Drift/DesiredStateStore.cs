using Google.Protobuf;
using KubeHa.Agent.Configuration;
using KubeHa.Agent.Files;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>
/// The desired state this node is held to, durable under STATE/drift: desired.pb (atomic
/// replace) and content/SHA256 (0600, the recorded content of written files, for diffs and
/// for restoring them). Content no record names any more is removed.
/// </summary>
internal sealed class DesiredStateStore
{
    private readonly string _file;
    private readonly string _contentDir;
    private readonly Lock _gate = new();
    private DesiredState _state;

    public DesiredStateStore(AgentOptions options)
    {
        var dir = Path.Combine(options.StateDir, "drift");
        _file = Path.Combine(dir, "desired.pb");
        _contentDir = Path.Combine(dir, "content");
        _state = File.Exists(_file) ? DesiredState.Parser.ParseFrom(File.ReadAllBytes(_file)) : new DesiredState();
    }

    /// <summary>Raised after every change (the monitor re-checks and re-watches).</summary>
    public event Action? Changed;

    public DesiredState Snapshot()
    {
        lock (_gate)
        {
            return _state.Clone();
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to a copy and makes it durable before it is visible.
    /// A change that leaves the state as it was writes nothing and raises no event.
    /// </summary>
    public void Update(Action<DesiredState> change)
    {
        lock (_gate)
        {
            var next = _state.Clone();
            change(next);
            if (next.Equals(_state))
            {
                return;
            }

            AtomicFile.WriteAllBytes(_file, next.ToByteArray(), AtomicFile.PrivateMode);
            _state = next;
            PruneContent(next);
        }

        Changed?.Invoke();
    }

    /// <returns>The SHA-256 under which the content is kept.</returns>
    public string SaveContent(byte[] content)
    {
        var sha = FileTransaction.Sha256(content);
        var path = Path.Combine(_contentDir, sha);
        if (!File.Exists(path))
        {
            AtomicFile.WriteAllBytes(path, content, AtomicFile.PrivateMode);
        }

        return sha;
    }

    public byte[]? ReadContent(string sha)
    {
        var path = Path.Combine(_contentDir, sha);
        return sha.Length == 64 && File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    private void PruneContent(DesiredState state)
    {
        if (!Directory.Exists(_contentDir))
        {
            return;
        }

        var used = state.Files.Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(_contentDir))
        {
            if (!used.Contains(Path.GetFileName(path)))
            {
                File.Delete(path);
            }
        }
    }
}
