using Google.Protobuf;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Steps;

/// <summary>
/// One run's step records (<see cref="StepLogRecord"/>), appended to STATE/steps/RUN.log (0600).
/// Loading stops at the first record that is short or fails its checksum: the tail of an append
/// a crash cut short. The next append cuts that tail off.
/// <para>
/// A durable append returns after fdatasync. A lazy one (a step that changes nothing on the
/// node) returns after write(2): an agent crash keeps it (page cache), a machine crash within
/// <see cref="LazyFlushDelay"/> can lose it, and the next durable append or the flush that
/// follows it flushes it.
/// </para>
/// <para>
/// Memory holds only where each step's records start; a record is read back from the file when
/// asked for (replays, rollbacks, resubmissions after a restart).
/// </para>
/// </summary>
internal sealed class StepLog
{
    public static readonly TimeSpan LazyFlushDelay = TimeSpan.FromMilliseconds(100);

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _results = new(StringComparer.Ordinal);
    private long _length;
    private bool _entryDurable;
    private bool _unsynced;
    private bool _flushScheduled;

    private StepLog(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
    }

    /// <summary>Reads the log at <paramref name="path"/>, if any; records not yet written are appended to it.</summary>
    public static StepLog Open(string path, TimeProvider time)
    {
        var log = new StepLog(path, time);
        log.Load();
        return log;
    }

    /// <summary>Bytes of whole, valid records (the file can be longer by a torn tail until the next append).</summary>
    public long Length
    {
        get
        {
            lock (_gate)
            {
                return _length;
            }
        }
    }

    public ExecuteStepRequest? Request(string stepId) => Read(_requests, stepId, ExecuteStepRequest.Parser);

    public StepResult? Result(string stepId) => Read(_results, stepId, StepResult.Parser);

    public void Append(ExecuteStepRequest request, bool durable) =>
        Append(StepLogRecord.Request, request, durable, offset => _requests[request.StepId] = offset);

    public void Append(StepResult result, bool durable) =>
        Append(StepLogRecord.Result, result, durable, offset => _results[result.StepId] = offset);

    private T? Read<T>(Dictionary<string, long> index, string stepId, MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        long offset;
        lock (_gate)
        {
            if (!index.TryGetValue(stepId, out offset))
            {
                return null;
            }
        }

        // Whole records below _length never change: no lock needed to read one.
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return parser.ParseFrom(StepLogRecord.ReadPayload(handle, offset, _path));
    }

    /// <summary>Makes lazy appends durable now (also done <see cref="LazyFlushDelay"/> after one).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _flushScheduled = false;
            if (!_unsynced)
            {
                return;
            }

            // Appends made from here on set it again and schedule their own flush.
            _unsynced = false;
        }

        // Outside the lock: an append does not wait behind this flush.
        try
        {
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            AtomicFile.FlushData(stream);
            lock (_gate)
            {
                MakeEntryDurable();
            }
        }
        catch (IOException)
        {
            lock (_gate)
            {
                _unsynced = true;
            }

            throw;
        }
    }

    private void Append(byte kind, IMessage message, bool durable, Action<long> index)
    {
        var record = StepLogRecord.Encode(kind, message.ToByteArray());
        lock (_gate)
        {
            if (!_entryDurable)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
            }

            using (var stream = new FileStream(_path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                UnixCreateMode = AtomicFile.PrivateMode,
                BufferSize = 0,
            }))
            {
                if (stream.Length != _length)
                {
                    stream.SetLength(_length);
                }

                stream.Position = _length;
                stream.Write(record);
                if (durable)
                {
                    AtomicFile.FlushData(stream);
                }
            }

            index(_length);
            _length += record.Length;
            if (durable)
            {
                MakeEntryDurable();
                _unsynced = false;
            }
            else
            {
                _unsynced = true;
                ScheduleFlush();
            }
        }
    }

    private void MakeEntryDurable()
    {
        if (!_entryDurable)
        {
            AtomicFile.FsyncDirectory(System.IO.Path.GetDirectoryName(_path)!);
            _entryDurable = true;
        }
    }

    private void ScheduleFlush()
    {
        if (_flushScheduled)
        {
            return;
        }

        _flushScheduled = true;
        _ = Task.Run(async () =>
        {
            await Task.Delay(LazyFlushDelay, _time).ConfigureAwait(false);
            try
            {
                Flush();
            }
            catch (IOException)
            {
                // Left unsynced: the next durable append flushes the file.
            }
        });
    }

    private void Load()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        _entryDurable = true;
        var bytes = File.ReadAllBytes(_path);
        var offset = 0;
        while (StepLogRecord.TryDecode(bytes.AsSpan(offset), out var kind, out var payload, out var length) && Index(kind, payload, offset))
        {
            offset += length;
        }

        _length = offset;
    }

    private bool Index(byte kind, ReadOnlySpan<byte> payload, long offset)
    {
        try
        {
            switch (kind)
            {
                case StepLogRecord.Request:
                    _requests[ExecuteStepRequest.Parser.ParseFrom(payload).StepId] = offset;
                    return true;
                case StepLogRecord.Result:
                    _results[StepResult.Parser.ParseFrom(payload).StepId] = offset;
                    return true;
                default:
                    return false;
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }
}
