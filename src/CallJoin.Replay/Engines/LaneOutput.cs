using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Replay.Jsonl;

namespace CallJoin.Replay.Engines;

/// <summary>
/// A lane's output: the JSONL lines (counted), each output call marked with where its lines end and what caused it
/// (<see cref="OutputEntry"/>), read from the engine as it calls.
/// </summary>
/// <remarks>A struct over <see cref="LaneMarks"/>, so that the engine's code is compiled for it rather than shared.</remarks>
internal readonly struct LaneOutput(LaneMarks marks) : IJoinOutput
{
    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        marks.Counting.OnRow(row, createdAtMillis, sources);
        marks.Mark();
    }

    public void OnError(in JoinError error)
    {
        marks.Counting.OnError(error);
        marks.Mark();
    }

    public void OnReleased(CallSide side, SourcePosition position) => marks.Counting.OnReleased(side, position);
}
