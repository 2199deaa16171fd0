using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace KubeHa.Agent.Steps;

/// <summary>
/// One record of a <see cref="StepLog"/>: a 13-byte header (payload length, u32 little-endian;
/// the first 8 bytes of the SHA-256 of kind and payload; the kind) and the protobuf payload.
/// </summary>
internal static class StepLogRecord
{
    public const byte Request = 1;
    public const byte Result = 2;

    private const int HeaderLength = 13;
    private const int KindAt = 12;

    public static byte[] Encode(byte kind, byte[] payload)
    {
        var record = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
        record[KindAt] = kind;
        payload.CopyTo(record.AsSpan(HeaderLength));
        Checksum(record.AsSpan(KindAt)).CopyTo(record.AsSpan(4, 8));
        return record;
    }

    /// <summary>The record at the start of <paramref name="bytes"/>, if it is whole and its checksum matches.</summary>
    /// <param name="length">The whole record's length, header included.</param>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out byte kind, out ReadOnlySpan<byte> payload, out int length)
    {
        kind = 0;
        payload = default;
        length = 0;
        if (bytes.Length < HeaderLength)
        {
            return false;
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (size > bytes.Length - HeaderLength ||
            !Checksum(bytes.Slice(KindAt, 1 + (int)size)).AsSpan().SequenceEqual(bytes.Slice(4, 8)))
        {
            return false;
        }

        kind = bytes[KindAt];
        payload = bytes.Slice(HeaderLength, (int)size);
        length = HeaderLength + (int)size;
        return true;
    }

    /// <summary>The payload of the (already verified) record at <paramref name="offset"/> of an open log.</summary>
    public static byte[] ReadPayload(SafeFileHandle log, long offset, string pathForErrors)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        var payload = RandomAccess.Read(log, header, offset) == HeaderLength
            ? new byte[BinaryPrimitives.ReadUInt32LittleEndian(header)]
            : throw new InvalidDataException($"{pathForErrors}: no record at byte {offset}");
        return RandomAccess.Read(log, payload, offset + HeaderLength) == payload.Length
            ? payload
            : throw new InvalidDataException($"{pathForErrors}: the record at byte {offset} is cut short");
    }

    /// <summary>First 8 bytes of the SHA-256 of kind and payload.</summary>
    private static byte[] Checksum(ReadOnlySpan<byte> kindAndPayload) => SHA256.HashData(kindAndPayload)[..8];
}
