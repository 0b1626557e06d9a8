using CallJoin.Core.Halves;
using CallJoin.Dumps;

namespace CallJoin.Replay.Engines;

/// <summary>
/// A run of consecutive records of the merged input, handed to every lane (each processes its own and advances its
/// timers at the others), and the output each lane wrote for it, which the merge puts back in input order.
/// </summary>
/// <remarks>
/// Filled by the reading thread, then read by every lane, each writing only its own <see cref="Slices"/> entry; reused
/// from a small pool once the merge has written it out, so nothing is allocated per record.
/// </remarks>
internal sealed class ReplayBatch
{
    /// <summary>Records per batch at most.</summary>
    public const int MaxRecords = 4096;

    private const int InitialBytes = 4 << 20;

    private int _length;

    public ReplayBatch(int lanes)
    {
        Slices = new LaneSlice[lanes];
        for (var i = 0; i < lanes; i++)
        {
            Slices[i] = new LaneSlice();
        }

        Done = new CountdownEvent(lanes);
    }

    /// <summary>The records, <see cref="Count"/> of them, in input order.</summary>
    public BatchRecord[] Records { get; } = new BatchRecord[MaxRecords];

    /// <summary>Records in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>The input sequence number of the first record (records of other topics and malformed lines are not counted).</summary>
    public long FirstSequence { get; private set; }

    /// <summary>The keys and payloads of the records.</summary>
    public byte[] Bytes { get; private set; } = new byte[InitialBytes];

    /// <summary>After the records: how far each lane moves stream time to apply timeouts, <see cref="long.MaxValue"/> for all that remain; none when null.</summary>
    public long? DrainUntil { get; private set; }

    /// <summary>What each lane wrote for this batch.</summary>
    public LaneSlice[] Slices { get; }

    /// <summary>Signalled by each lane when it has processed the batch.</summary>
    public CountdownEvent Done { get; }

    /// <summary>Empties the batch for records from <paramref name="firstSequence"/> on.</summary>
    public void Reset(long firstSequence)
    {
        Count = 0;
        _length = 0;
        FirstSequence = firstSequence;
        DrainUntil = null;
        Done.Reset();
    }

    /// <summary>Makes this an empty batch that only applies timeouts up to <paramref name="until"/>.</summary>
    public void SetDrain(long until) => DrainUntil = until;

    /// <summary>Copies the reader's current record in; false when the batch is full (it then holds at least one record).</summary>
    public bool TryAdd(DumpReader reader, CallSide side, int lane)
    {
        var payload = reader.HasPayload ? reader.Payload : default;
        var key = reader.HasKey ? reader.Key : default;
        var need = payload.Length + key.Length;
        if (Count == MaxRecords || (_length + need > Bytes.Length && Count > 0))
        {
            return false;
        }

        if (need > Bytes.Length)
        {
            Bytes = new byte[need];
        }

        ref var record = ref Records[Count++];
        record.Side = side;
        record.Lane = lane;
        record.Partition = reader.Partition;
        record.Offset = reader.Offset;
        record.TimestampMillis = reader.TimestampMillis;
        record.KeyStart = _length;
        record.KeyLength = key.Length;
        key.CopyTo(Bytes.AsSpan(_length));
        _length += key.Length;
        record.PayloadStart = _length;
        record.PayloadLength = payload.Length;
        payload.CopyTo(Bytes.AsSpan(_length));
        _length += payload.Length;
        return true;
    }
}
