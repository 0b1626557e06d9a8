using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Bench.BoundedState;

/// <summary>
/// The service's sink as a model in stream time: what the engine writes and releases joins the open batch, which is
/// sent every <paramref name="flushMillis"/> and durable <paramref name="insertMillis"/> later. Then its released halves
/// are marked durable in the real <see cref="OffsetLedger"/>, as <c>SinkJoinOutput</c> reports them, and its running
/// rows and <c>start_missing</c> records become visible to lookups.
/// </summary>
internal sealed class SimulatedSink(OffsetLedger ledger, long flushMillis, long insertMillis) : IJoinOutput
{
    private readonly Queue<(long DurableAt, List<Written> Batch)> _sent = new();
    private readonly Stack<List<Written>> _pool = new();
    private List<Written> _open = [];
    private long _openedAt = long.MinValue;

    /// <summary>Calls whose running row is durable and whose complete row is not.</summary>
    public HashSet<long> Running { get; } = [];

    /// <summary>Calls whose end's <c>start_missing</c> record is durable.</summary>
    public HashSet<long> StartMissing { get; } = [];

    public long CompleteRows { get; private set; }

    public long RunningRows { get; private set; }

    public long StartMissingRecords { get; private set; }

    public long OtherErrors { get; private set; }

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        var index = SimulatedCalls.IndexOf(row.Id);
        if (sources.Complete)
        {
            CompleteRows++;
            _open.Add(new Written(WrittenKind.Complete, 0, index));
        }
        else
        {
            RunningRows++;
            _open.Add(new Written(WrittenKind.Running, 0, index));
        }

        if (sources.ReleasesStart)
        {
            OnReleased(CallSide.Start, sources.Start);
        }

        if (sources.ReleasesEnd)
        {
            OnReleased(CallSide.End, sources.End);
        }
    }

    public void OnError(in JoinError error)
    {
        if (error.Reason == JoinErrorReason.StartMissing)
        {
            StartMissingRecords++;
            _open.Add(new Written(WrittenKind.StartMissing, 0, SimulatedCalls.IndexOf(error.Id)));
        }
        else
        {
            OtherErrors++;
        }

        if (error.ReleasesHalf)
        {
            OnReleased(error.Side, error.Position);
        }
    }

    public void OnReleased(CallSide side, SourcePosition position) =>
        _open.Add(new Written(side == CallSide.Start ? WrittenKind.StartReleased : WrittenKind.EndReleased, position.Partition, position.Offset));

    /// <summary>When everything written so far will be durable: the end of the open batch's insert.</summary>
    public long AllWrittenDurableAt(long now) => Math.Max(now, _openedAt + flushMillis) + insertMillis;

    /// <summary>Sends the open batch when its flush is due and applies every batch durable by <paramref name="now"/>.</summary>
    public void Advance(long now)
    {
        if (_openedAt == long.MinValue)
        {
            _openedAt = now;
        }

        if (now >= _openedAt + flushMillis)
        {
            if (_open.Count > 0)
            {
                _sent.Enqueue((now + insertMillis, _open));
                _open = _pool.Count > 0 ? _pool.Pop() : [];
            }

            _openedAt = now;
        }

        while (_sent.TryPeek(out var head) && head.DurableAt <= now)
        {
            _sent.Dequeue();
            foreach (var written in head.Batch)
            {
                Apply(written);
            }

            head.Batch.Clear();
            _pool.Push(head.Batch);
        }
    }

    private void Apply(in Written written)
    {
        switch (written.Kind)
        {
            case WrittenKind.StartReleased:
                ledger.Durable(CallSide.Start, written.Partition, written.Value);
                break;
            case WrittenKind.EndReleased:
                ledger.Durable(CallSide.End, written.Partition, written.Value);
                break;
            case WrittenKind.Running:
                Running.Add(written.Value);
                break;
            case WrittenKind.Complete:
                Running.Remove(written.Value);
                break;
            case WrittenKind.StartMissing:
                StartMissing.Add(written.Value);
                break;
        }
    }

    private enum WrittenKind : byte
    {
        StartReleased,
        EndReleased,
        Running,
        Complete,
        StartMissing,
    }

    /// <summary>A released half (partition, offset) or a row or record (the call's index).</summary>
    private readonly record struct Written(WrittenKind Kind, int Partition, long Value);
}
