using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Steps;

/// <summary>
/// One run's step records, appended to STATE/steps/RUN.log (0600). A record is a 13-byte header
/// (payload length, u32 little-endian; the first 8 bytes of the SHA-256 of kind and payload;
/// kind, 1 = request, 2 = result) and the protobuf payload. Loading stops at the first record
/// that is short or fails its checksum: the tail of an append a crash cut short. The next
/// append cuts that tail off.
/// <para>
/// A durable append returns after fdatasync. A lazy one (a step that changes nothing on the
/// node) returns after write(2): an agent crash keeps it (page cache), a machine crash within
/// <see cref="LazyFlushDelay"/> can lose it, and the next durable append or the flush that
/// follows it flushes it.
/// </para>
/// </summary>
internal sealed class StepLog
{
    public static readonly TimeSpan LazyFlushDelay = TimeSpan.FromMilliseconds(100);

    private const int HeaderLength = 13;
    private const byte RequestKind = 1;
    private const byte ResultKind = 2;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExecuteStepRequest> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StepResult> _results = new(StringComparer.Ordinal);
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

    public ExecuteStepRequest? Request(string stepId)
    {
        lock (_gate)
        {
            return _requests.TryGetValue(stepId, out var r) ? r.Clone() : null;
        }
    }

    public StepResult? Result(string stepId)
    {
        lock (_gate)
        {
            return _results.TryGetValue(stepId, out var r) ? r.Clone() : null;
        }
    }

    public void Append(ExecuteStepRequest request, bool durable)
    {
        var copy = request.Clone();
        Append(RequestKind, copy, durable, () => _requests[copy.StepId] = copy);
    }

    public void Append(StepResult result, bool durable)
    {
        var copy = result.Clone();
        Append(ResultKind, copy, durable, () => _results[copy.StepId] = copy);
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

            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            AtomicFile.FlushData(stream);
            MakeEntryDurable();
            _unsynced = false;
        }
    }

    private void Append(byte kind, IMessage message, bool durable, Action index)
    {
        var record = Encode(kind, message.ToByteArray());
        lock (_gate)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
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

            _length += record.Length;
            index();
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

    private static byte[] Encode(byte kind, byte[] payload)
    {
        var record = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
        record[12] = kind;
        payload.CopyTo(record.AsSpan(HeaderLength));
        Checksum(record.AsSpan(12)).CopyTo(record.AsSpan(4, 8));
        return record;
    }

    /// <summary>First 8 bytes of the SHA-256 of kind and payload.</summary>
    private static byte[] Checksum(ReadOnlySpan<byte> kindAndPayload) => SHA256.HashData(kindAndPayload)[..8];

    private void Load()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        _entryDurable = true;
        var bytes = File.ReadAllBytes(_path);
        var offset = 0;
        while (bytes.Length - offset >= HeaderLength)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            if (length > bytes.Length - offset - HeaderLength ||
                !Checksum(bytes.AsSpan(offset + 12, 1 + (int)length)).AsSpan().SequenceEqual(bytes.AsSpan(offset + 4, 8)) ||
                !Index(bytes[offset + 12], bytes.AsSpan(offset + HeaderLength, (int)length)))
            {
                break;
            }

            offset += HeaderLength + (int)length;
        }

        _length = offset;
    }

    private bool Index(byte kind, ReadOnlySpan<byte> payload)
    {
        try
        {
            switch (kind)
            {
                case RequestKind:
                    var request = ExecuteStepRequest.Parser.ParseFrom(payload);
                    _requests[request.StepId] = request;
                    return true;
                case ResultKind:
                    var result = StepResult.Parser.ParseFrom(payload);
                    _results[result.StepId] = result;
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
