using System.Buffers;
using System.Buffers.Binary;
using CallJoin.Core.Timers;

namespace CallJoin.Core.Join;

/// <summary>The bytes the pending store holds per key: a 48-byte header and the waiting half's raw payload.</summary>
/// <remarks>
/// A key holds at most one payload: the unmatched half (a start or an end). Once matched, the key leaves the store and
/// the call is remembered by <see cref="MatchedCalls"/>.
/// Layout (little-endian): flags u8, 3 spare, partition i32, offset i64, timestamp i64 (ms), start hash u64,
/// end hash u64, timer index i32, timer generation i32, payload.
/// </remarks>
internal readonly ref struct PendingRecord
{
    public const int HeaderSize = 48;

    private readonly ReadOnlySpan<byte> _bytes;

    public PendingRecord(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public RecordFlags Flags => (RecordFlags)_bytes[0];

    public SourcePosition Position => new(BinaryPrimitives.ReadInt32LittleEndian(_bytes[4..]), BinaryPrimitives.ReadInt64LittleEndian(_bytes[8..]));

    /// <summary>When the waiting half reached stream time (ms): its timeouts run from here.</summary>
    public long TimestampMillis => BinaryPrimitives.ReadInt64LittleEndian(_bytes[16..]);

    public ulong StartHash => BinaryPrimitives.ReadUInt64LittleEndian(_bytes[24..]);

    public ulong EndHash => BinaryPrimitives.ReadUInt64LittleEndian(_bytes[32..]);

    public TimerHandle Timer => new(BinaryPrimitives.ReadInt32LittleEndian(_bytes[40..]), BinaryPrimitives.ReadInt32LittleEndian(_bytes[44..]));

    public ReadOnlySpan<byte> Payload => _bytes[HeaderSize..];

    public ulong HashOf(Halves.CallSide side) => side == Halves.CallSide.Start ? StartHash : EndHash;

    /// <summary>Writes a record into <paramref name="next"/>.</summary>
    public static void Write(
        IBufferWriter<byte> next, RecordFlags flags, SourcePosition position, long timestampMillis,
        ulong startHash, ulong endHash, TimerHandle timer, ReadOnlySpan<byte> payload)
    {
        var span = next.GetSpan(HeaderSize + payload.Length);
        span[..4].Clear();
        span[0] = (byte)flags;
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], position.Partition);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], position.Offset);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], timestampMillis);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], startHash);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], endHash);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], timer.Index);
        BinaryPrimitives.WriteInt32LittleEndian(span[44..], timer.Generation);
        payload.CopyTo(span[HeaderSize..]);
        next.Advance(HeaderSize + payload.Length);
    }
}

/// <summary>The state of a pending key.</summary>
[Flags]
internal enum RecordFlags : byte
{
    None = 0,

    /// <summary>The payload is a start waiting for its end.</summary>
    Start = 1,

    /// <summary>The payload is an end waiting for its start.</summary>
    End = 2,

    /// <summary>Matched: a tombstone with both hashes and no payload, as older checkpoints hold them (dropped on restore).</summary>
    Completed = 4,

    /// <summary>The start's running row has been written.</summary>
    RunningEmitted = 8,

    /// <summary>The end's start_missing error record has been written.</summary>
    StartMissingReported = 16,

    /// <summary>The half's timeout fell due and its call is being looked up (<see cref="LatePartnerSource.Lookup"/>); no timer.</summary>
    LookingUp = 32,
}
