using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Replay.Jsonl;

namespace CallJoin.Replay.Engines;

/// <summary>
/// One join engine on its own thread, over the partitions that fall to it, writing JSONL into each batch's slice.
/// </summary>
/// <remarks>
/// Every batch reaches every lane. A lane processes its own records and, at each record of another lane, fires the
/// timeouts due by the stream time the single engine would have then (the highest record timestamp so far), marking
/// every output with that step, so the merge can interleave the lanes exactly as one engine would have written.
/// </remarks>
internal sealed class ReplayLane : IDisposable
{
    private readonly int _index;
    private readonly SliceStream _stream = new();
    private readonly JsonlJoinOutput _lines;
    private readonly LaneMarks _marks;
    private readonly BlockingCollection<ReplayBatch> _inbox = [];
    private readonly Thread _thread;
    private readonly CancellationToken _ct;
    private long _now = long.MinValue;

    public ReplayLane(int index, IPendingStore store, JoinOptions join, string startTopic, string endTopic, Action<Exception> onFailure, CancellationToken ct)
    {
        _index = index;
        _ct = ct;
        _lines = new JsonlJoinOutput(_stream, startTopic, endTopic, leaveOpen: true);
        _marks = new LaneMarks(_lines);
        Engine = new JoinEngine<LaneOutput>(store, join, new LaneOutput(_marks));
        _marks.Engine = Engine;
        _thread = new Thread(() =>
        {
            try
            {
                Run();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                onFailure(e);
            }
        })
        {
            IsBackground = true,
            Name = $"replay-lane-{index}",
        };
    }

    /// <summary>The lane's engine (its counters are read after the replay).</summary>
    public JoinEngine<LaneOutput> Engine { get; }

    /// <summary>Rows and error records written, by reason.</summary>
    public CountingOutput<JsonlJoinOutput> Counting => _marks.Counting;

    /// <summary>Starts the lane's thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Queues a batch; batches are processed in the order posted.</summary>
    public void Post(ReplayBatch batch) => _inbox.Add(batch, _ct);

    /// <summary>No more batches: the thread ends after the last.</summary>
    public void Complete() => _inbox.CompleteAdding();

    /// <summary>Waits for the thread to end (at once if it never started).</summary>
    public void Join()
    {
        if (_thread.ThreadState != ThreadState.Unstarted)
        {
            _thread.Join();
        }
    }

    public void Dispose()
    {
        _inbox.Dispose();
        _lines.Dispose();
        _stream.Dispose();
    }

    private void Run()
    {
        foreach (var batch in _inbox.GetConsumingEnumerable(_ct))
        {
            Process(batch);
            batch.Done.Signal();
        }
    }

    // Optimized at once: called once a batch, it would otherwise run its loop unoptimized for the first batches.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Process(ReplayBatch batch)
    {
        var slice = batch.Slices[_index];
        slice.Reset();
        _stream.Target = slice;
        _marks.Begin(slice);
        var engine = Engine;
        var records = batch.Records;
        var bytes = batch.Bytes;
        var now = _now;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref records[i];
            now = Math.Max(now, record.TimestampMillis);
            var step = batch.FirstSequence + i;

            // Stream time as one engine has it at this record; the timeouts it makes due are marked with this step.
            if (record.Lane == _index)
            {
                _marks.Step = step;
                engine.AdvanceTime(now);
                engine.InputSequence = step;
                engine.Process(record.Side, bytes.AsSpan(record.PayloadStart, record.PayloadLength), bytes.AsSpan(record.KeyStart, record.KeyLength),
                    new SourcePosition(record.Partition, record.Offset), record.TimestampMillis);
            }
            else if (engine.HasTimersDueBy(now))
            {
                _marks.Step = step;
                engine.AdvanceTime(now);
            }
        }

        _now = now;
        if (batch.DrainUntil is { } until)
        {
            _marks.Step = long.MaxValue;
            if (until == long.MaxValue)
            {
                engine.Drain();
            }
            else
            {
                engine.AdvanceTime(until);
            }
        }

        _lines.Flush();
        slice.PendingTimers = engine.PendingTimers;
    }
}
