using System.Buffers;
using System.Buffers.Binary;
using CallJoin.Core.Timers;

namespace CallJoin.Core.Join;

/// <summary>The bytes the pending store holds per key: a 56-byte header and the waiting half's raw payload.</summary>
/// <remarks>
/// A key holds at most one payload: the unmatched half (a start or an end). Once matched, the key leaves the store and
/// the call is remembered by <see cref="MatchedCalls"/>.
/// Layout (little-endian): flags u8, layout u8 (2), 2 spare, partition i32, offset i64, arrival i64 (ms), start hash u64,
/// end hash u64, timer index i32, timer generation i32, record timestamp i64 (ms), payload. Layout 0, as older
/// checkpoints hold it, has no record timestamp (its arrival stands for it) and a 48-byte header.
/// </remarks>
internal readonly ref struct PendingRecord
{
    /// <summary>The header of the records written now: the most a record adds to its payload.</summary>
    public const int HeaderSize = 56;

    private const int LegacyHeaderSize = 48;
    private const byte Layout = 2;

    private readonly ReadOnlySpan<byte> _bytes;

    public PendingRecord(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public RecordFlags Flags => (RecordFlags)_bytes[0];

    public SourcePosition Position => new(BinaryPrimitives.ReadInt32LittleEndian(_bytes[4..]), BinaryPrimitives.ReadInt64LittleEndian(_bytes[8..]));

    /// <summary>When the waiting half reached stream time (ms): its timeouts run from here.</summary>
    public long ArrivalMillis => BinaryPrimitives.ReadInt64LittleEndian(_bytes[16..]);

    /// <summary>The waiting half's own record timestamp (ms), which its error records name; older records: its arrival.</summary>
    public long TimestampMillis => IsLegacy ? ArrivalMillis : BinaryPrimitives.ReadInt64LittleEndian(_bytes[48..]);

    public ulong StartHash => BinaryPrimitives.ReadUInt64LittleEndian(_bytes[24..]);

    public ulong EndHash => BinaryPrimitives.ReadUInt64LittleEndian(_bytes[32..]);

    public TimerHandle Timer => new(BinaryPrimitives.ReadInt32LittleEndian(_bytes[40..]), BinaryPrimitives.ReadInt32LittleEndian(_bytes[44..]));

    public ReadOnlySpan<byte> Payload => _bytes[(IsLegacy ? LegacyHeaderSize : HeaderSize)..];

    private bool IsLegacy => _bytes[1] != Layout;

    public ulong HashOf(Halves.CallSide side) => side == Halves.CallSide.Start ? StartHash : EndHash;

    /// <summary>Writes a record into <paramref name="next"/>.</summary>
    public static void Write(
        IBufferWriter<byte> next, RecordFlags flags, SourcePosition position, long arrivalMillis, long timestampMillis,
        ulong startHash, ulong endHash, TimerHandle timer, ReadOnlySpan<byte> payload)
    {
        var span = next.GetSpan(HeaderSize + payload.Length);
        span[..4].Clear();
        span[0] = (byte)flags;
        span[1] = Layout;
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], position.Partition);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], position.Offset);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], arrivalMillis);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], startHash);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], endHash);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], timer.Index);
        BinaryPrimitives.WriteInt32LittleEndian(span[44..], timer.Generation);
        BinaryPrimitives.WriteInt64LittleEndian(span[48..], timestampMillis);
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

    /// <summary>An end whose own started_at is past both timeouts: it waits <see cref="JoinOptions.EarlyLookupWait"/>, not the end timeout.</summary>
    ShortWait = 64,
}
