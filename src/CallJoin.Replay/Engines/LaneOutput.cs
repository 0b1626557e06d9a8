using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Replay.Jsonl;

namespace CallJoin.Replay.Engines;

/// <summary>
/// A lane's output: the JSONL lines (counted), each output call marked with where its lines end and what caused it
/// (<see cref="OutputEntry"/>), read from the engine as it calls.
/// </summary>
internal sealed class LaneOutput(JsonlJoinOutput lines) : IJoinOutput
{
    private readonly CountingOutput<JsonlJoinOutput> _counting = new(lines);
    private long _sliceStart;

    /// <summary>The engine that calls this (set once, right after it is made).</summary>
    public JoinEngine<LaneOutput>? Engine { get; set; }

    /// <summary>The input step stream time is at.</summary>
    public long Step { get; set; }

    public CountingOutput<JsonlJoinOutput> Counting => _counting;

    private LaneSlice? _slice;

    /// <summary>Starts marking output in <paramref name="slice"/>.</summary>
    public void Begin(LaneSlice slice)
    {
        _slice = slice;
        _sliceStart = lines.BytesWritten;
    }

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        _counting.OnRow(row, createdAtMillis, sources);
        Mark();
    }

    public void OnError(in JoinError error)
    {
        _counting.OnError(error);
        Mark();
    }

    public void OnReleased(CallSide side, SourcePosition position) => _counting.OnReleased(side, position);

    private void Mark()
    {
        var engine = Engine!;
        _slice!.Add(new OutputEntry(Step, engine.CauseTimeoutAt, engine.CauseSequence, lines.BytesWritten - _sliceStart));
    }
}
