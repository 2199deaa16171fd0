using System.Text;
using KubeHa.Agent.Files;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Files;

[Trait(Categories.Name, Categories.Unit)]
public sealed class FileTransactionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private FileTransaction Tx(string step, bool dryRun) =>
        new(new PathGuard([_dir.Combine("root")]), new BackupStore(_dir.Combine("backups")), "run1", step, dryRun);

    [Fact]
    public void Write_DryRun_ReportsDiffAndWritesNothing()
    {
        var path = _dir.Combine("root", "a.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "one\ntwo\n");

        var tx = Tx("s1", dryRun: true);
        Assert.True(tx.Write(path, "one\nTWO\n", KubeHa.Common.Files.AtomicFile.DefaultMode));

        Assert.Equal("one\ntwo\n", File.ReadAllText(path));
        var change = Assert.Single(tx.Changes);
        Assert.Equal(FileChangeKind.Modified, change.Kind);
        Assert.Contains("-two", change.UnifiedDiff, StringComparison.Ordinal);
        Assert.Contains("+TWO", change.UnifiedDiff, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.Combine("backups", "run1", "s1")));
    }

    [Fact]
    public void Write_SameContentTwice_SecondIsNoChange()
    {
        var path = _dir.Combine("root", "b.conf");
        Assert.True(Tx("s1", false).Write(path, "x\n", KubeHa.Common.Files.AtomicFile.DefaultMode));
        Assert.False(Tx("s2", false).Write(path, "x\n", KubeHa.Common.Files.AtomicFile.DefaultMode));
    }

    [Fact]
    public void Write_OutsideAllowedRoots_Refused()
    {
        var tx = Tx("s1", false);
        var outside = _dir.Combine("elsewhere", "c.conf");
        var e = Assert.Throws<PathNotAllowedException>(() => tx.Write(outside, "x", KubeHa.Common.Files.AtomicFile.DefaultMode));
        Assert.Contains("outside the agent's allowed roots", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(outside));
    }

    [Fact]
    public void Write_ThroughSymlinkOutOfRoot_Refused()
    {
        Directory.CreateDirectory(_dir.Combine("root"));
        Directory.CreateDirectory(_dir.Combine("secret"));
        Directory.CreateSymbolicLink(_dir.Combine("root", "link"), _dir.Combine("secret"));
        var tx = Tx("s1", false);
        Assert.Throws<PathNotAllowedException>(() => tx.Write(_dir.Combine("root", "link", "x"), "x", KubeHa.Common.Files.AtomicFile.DefaultMode));
        Assert.False(File.Exists(_dir.Combine("secret", "x")));
    }

    [Fact]
    public void Write_Apply_BacksUpPreviousBytesAndMode()
    {
        var path = _dir.Combine("root", "d.key");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes("old"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var backups = new BackupStore(_dir.Combine("backups"));
        var tx = new FileTransaction(new PathGuard([_dir.Combine("root")]), backups, "run1", "s1", dryRun: false);
        tx.Write(path, "new", KubeHa.Common.Files.AtomicFile.DefaultMode, secret: true);
        tx.Write(_dir.Combine("root", "fresh"), "f", KubeHa.Common.Files.AtomicFile.DefaultMode);

        var entries = backups.Read("run1", "s1");
        Assert.Equal(2, entries.Count);
        Assert.True(entries[0].Existed);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, entries[0].Mode);
        Assert.Equal("old", Encoding.UTF8.GetString(backups.ReadContent("run1", "s1", entries[0])));
        Assert.False(entries[1].Existed);
        Assert.Empty(tx.Changes[0].UnifiedDiff);
        Assert.Equal("new", File.ReadAllText(path));
    }
}
