using CallJoin.Core.Halves;

namespace CallJoin.Replay.Engines;

/// <summary>One start or end record of a <see cref="ReplayBatch"/>: where it came from, and its key and payload in the batch's bytes.</summary>
internal struct BatchRecord
{
    public CallSide Side;

    /// <summary>The lane that processes it: its partition modulo the number of lanes.</summary>
    public int Lane;

    public int Partition;
    public long Offset;
    public long TimestampMillis;
    public int PayloadStart;
    public int PayloadLength;
    public int KeyStart;
    public int KeyLength;
}
