using KubeHa.Common.Files;

namespace KubeHa.Agent.Actions.Kubeadm;

/// <summary>A 0600 file in a fresh 0700 directory under the agent's state dir, deleted (with the directory) on dispose.</summary>
internal sealed class PrivateTempFile : IDisposable
{
    private readonly string _dir;

    public PrivateTempFile(string stateDir, string name, string content)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var parent = System.IO.Path.Combine(stateDir, "tmp");
        Directory.CreateDirectory(parent, Private);
        _dir = System.IO.Path.Combine(parent, "kubeadm-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dir, Private);
        File.SetUnixFileMode(_dir, Private);
        Path = System.IO.Path.Combine(_dir, name);
        AtomicFile.WriteAllText(Path, content, AtomicFile.PrivateMode);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
