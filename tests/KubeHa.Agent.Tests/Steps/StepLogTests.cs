using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Steps;

[Trait(Categories.Name, Categories.Unit)]
public sealed class StepLogTests : IDisposable
{
    private readonly TempDir _dir = new("kubeha-steplog");

    public void Dispose() => _dir.Dispose();

    private string LogPath => _dir.Combine("steps", "run-1.log");

    private StepLog Open() => StepLog.Open(LogPath, TimeProvider.System);

    private static ExecuteStepRequest Request(string step) => new()
    {
        RunId = "run-1",
        StepId = step,
        Mode = StepMode.Apply,
        Step = new StepSpec { Noop = new NoopAction { ProgressEvents = 1 } },
    };

    private static StepResult Result(string step, StepOutcome outcome) => new() { RunId = "run-1", StepId = step, Outcome = outcome, Reason = "r-" + step };

    [Fact]
    public void Append_DurableAndLazy_ReadBackAfterReopen()
    {
        var log = Open();
        log.Append(Request("a"), durable: true);
        log.Append(Result("a", StepOutcome.Succeeded), durable: true);
        log.Append(Request("b"), durable: false);
        log.Append(Result("b", StepOutcome.Failed), durable: false);
        log.Flush();

        var again = Open();

        Assert.Equal(Request("a"), again.Request("a"));
        Assert.Equal(StepOutcome.Succeeded, again.Result("a")!.Outcome);
        Assert.Equal(Request("b"), again.Request("b"));
        Assert.Equal("r-b", again.Result("b")!.Reason);
        Assert.Null(again.Result("c"));
        Assert.Equal(new FileInfo(LogPath).Length, again.Length);
        Assert.Equal(AtomicModes.Private, File.GetUnixFileMode(LogPath));
    }

    [Fact]
    public void Open_TornTail_WholeRecordsKeptAndTailCutByNextAppend()
    {
        var log = Open();
        log.Append(Request("a"), durable: true);
        log.Append(Result("a", StepOutcome.Succeeded), durable: true);
        var whole = log.Length;
        // A crash during the next append: only part of its record reached the file.
        log.Append(Request("b"), durable: true);
        var bytes = File.ReadAllBytes(LogPath);
        File.WriteAllBytes(LogPath, bytes[..(int)(whole + ((bytes.Length - whole) / 2))]);

        var reopened = Open();
        Assert.Equal(whole, reopened.Length);
        Assert.NotNull(reopened.Result("a"));
        Assert.Null(reopened.Request("b"));

        reopened.Append(Request("c"), durable: true);
        var last = Open();
        Assert.NotNull(last.Result("a"));
        Assert.Equal(Request("c"), last.Request("c"));
        Assert.Equal(new FileInfo(LogPath).Length, last.Length);
    }

    [Fact]
    public void Open_RecordWithBadChecksum_LoadingStopsThere()
    {
        var log = Open();
        log.Append(Request("a"), durable: true);
        var first = log.Length;
        log.Append(Request("b"), durable: true);
        var bytes = File.ReadAllBytes(LogPath);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(LogPath, bytes);

        var reopened = Open();

        Assert.NotNull(reopened.Request("a"));
        Assert.Null(reopened.Request("b"));
        Assert.Equal(first, reopened.Length);
    }

    [Fact]
    public void Result_Returned_IsACopy()
    {
        var log = Open();
        log.Append(Result("a", StepOutcome.Succeeded), durable: true);

        log.Result("a")!.Replayed = true;

        Assert.False(log.Result("a")!.Replayed);
    }

    private static class AtomicModes
    {
        public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    }
}
