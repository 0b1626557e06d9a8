using CallJoin.Core.Join;
using CallJoin.Replay.Jsonl;

namespace CallJoin.Replay.Engines;

/// <summary>The state behind a lane's <see cref="LaneOutput"/>: its lines, their counts, and the marks of the batch being processed.</summary>
internal sealed class LaneMarks(JsonlJoinOutput lines)
{
    private LaneSlice? _slice;
    private long _sliceStart;

    public CountingOutput<JsonlJoinOutput> Counting { get; } = new(lines);

    /// <summary>The engine that writes here (set once, right after it is made).</summary>
    public JoinEngine<LaneOutput>? Engine { get; set; }

    /// <summary>The input step stream time is at.</summary>
    public long Step { get; set; }

    /// <summary>Starts marking output in <paramref name="slice"/>.</summary>
    public void Begin(LaneSlice slice)
    {
        _slice = slice;
        _sliceStart = lines.BytesWritten;
    }

    /// <summary>Marks the end of the lines just written, with what caused them.</summary>
    public void Mark()
    {
        var engine = Engine!;
        _slice!.Add(new OutputEntry(Step, engine.CauseTimeoutAt, engine.CauseSequence, lines.BytesWritten - _sliceStart));
    }
}
