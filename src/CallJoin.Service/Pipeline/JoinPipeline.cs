using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Kafka.Ingest;
using CallJoin.Service.Metrics;
using Microsoft.Extensions.Logging;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The ingest's handler: each message goes through the join engine into the ClickHouse sink, released halves are
/// attached to the sink as checkpoints, stream time follows the watermark across partitions (and the wall clock once
/// everything is read), and a revoke makes the revoked partitions durable (within the drain timeout) and forgets their
/// pending halves.
/// </summary>
/// <remarks>Every method runs on the ingest's consume thread, which owns the engine and its store.</remarks>
internal sealed class JoinPipeline : IIngestHandler
{
    private const int CheckpointEvery = 4096;
    private const long CheckpointIntervalMs = 100;
    private const long SnapshotIntervalMs = 250;

    private readonly JoinEngine<SinkJoinOutput> _engine;
    private readonly SinkJoinOutput _output;
    private readonly ClickHouseSink _sink;
    private readonly StreamClock _clock;
    private readonly PartitionWatermark _watermark = new();
    private readonly long _maxBufferedBytes;
    private readonly TimeSpan _drainTimeout;
    private readonly ILogger _log;
    private int _sinceCheckpoint;
    private long _nextCheckpoint;
    private long _nextSnapshot;
    private PipelineSnapshot _snapshot = PipelineSnapshot.Empty;
    private readonly StateCheckpoints? _checkpoints;
    private long _nextStateCheckpoint;

    /// <param name="checkpoints">
    /// State checkpoints (FASTER store, static ownership): the pipeline then commits their positions, not released halves.
    /// </param>
    public JoinPipeline(IPendingStore store, ClickHouseSink sink, JoinOptions join, TimeSpan idleAdvanceAfter, long maxBufferedBytes,
        TimeSpan drainTimeout, CallJoinMetrics metrics, TimeProvider time, ILogger log, StateCheckpoints? checkpoints = null)
    {
        _sink = sink;
        _checkpoints = checkpoints;
        _output = new SinkJoinOutput(sink, metrics, time, trackReleases: checkpoints is null);
        _engine = new JoinEngine<SinkJoinOutput>(store, join with { RecordsAdvanceTime = false }, _output);
        _clock = new StreamClock(time, idleAdvanceAfter);
        _maxBufferedBytes = maxBufferedBytes;
        _drainTimeout = drainTimeout;
        _log = log;
    }

    /// <summary>The ingest feeding this pipeline (set once it exists): its assignment and lags drive stream time.</summary>
    public CoPartitionedIngest? Ingest { get; set; }

    /// <summary>Set before a graceful stop: the final revoke then keeps the state instead of scanning it away.</summary>
    public bool Stopping { get; set; }

    /// <summary>The latest copy of the engine's counters and state size.</summary>
    public PipelineSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <inheritdoc />
    public bool IsBehind => _sink.BufferedBytes > _maxBufferedBytes;

    /// <inheritdoc />
    public void OnMessage(CallSide side, int partition, long offset, long timestampMillis, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        _clock.OnRecord(timestampMillis);
        _watermark.OnRecord(side, partition, timestampMillis);
        _checkpoints?.OnRecord(side, partition, offset);
        _engine.Process(side, value, key, new SourcePosition(partition, offset), timestampMillis);
        if (++_sinceCheckpoint >= CheckpointEvery || Environment.TickCount64 >= _nextCheckpoint)
        {
            Checkpoint();
        }
    }

    /// <inheritdoc />
    public void OnIdle() => Checkpoint();

    /// <inheritdoc />
    public void OnPartitionsRevoked(IReadOnlyList<int> partitions)
    {
        if (_checkpoints is not null)
        {
            // Static ownership: a revoke is a graceful stop. The last checkpoint lets the restart resume right here.
            TakeStateCheckpoint();
            PublishSnapshot();
            return;
        }

        var barrier = new SinkBarrier();
        Checkpoint();
        _sink.Checkpoint(barrier);
        _ = _sink.FlushAsync();
        if (!barrier.Reached.Wait(_drainTimeout))
        {
            // Safe to go on: what is not durable is not committed, so it is read again and lands once (same rows, same versions).
            Log.RevokeNotDurable(_log, partitions.Count, _drainTimeout);
        }

        _watermark.Forget(partitions);
        if (!Stopping)
        {
            var forgotten = _engine.ForgetPartitions(partitions.ToHashSet());
            Log.PartitionsForgotten(_log, string.Join(',', partitions), forgotten);
        }

        PublishSnapshot();
    }

    /// <summary>
    /// Stream time: the watermark across the partitions being read; once all are read to their end and input has been
    /// idle for a while, the wall clock (so the last halves time out without new records).
    /// </summary>
    private void AdvanceTime()
    {
        if (Ingest is not { } ingest)
        {
            return;
        }

        if (_watermark.TryGet(ingest.Assignment.StartPartitions, ingest.Lag, out var watermark, out var caughtUp))
        {
            _engine.AdvanceTime(watermark);
        }
        else if (caughtUp && _clock.TryGetIdleTime(caughtUp: true, out var now))
        {
            _engine.AdvanceTime(now);
        }
    }

    /// <summary>
    /// Takes over a store reopened from a state checkpoint: restores its timers and stream time. Call before the ingest starts.
    /// </summary>
    public int Restore(long streamTimeMillis) => _engine.RestoreTimers(streamTimeMillis);

    /// <summary>
    /// Makes everything written so far durable, checkpoints the pending state with the positions read and stream time,
    /// then commits those positions. Skipped (and tried at the next interval) when ClickHouse does not confirm in time.
    /// </summary>
    private void TakeStateCheckpoint()
    {
        var checkpoints = _checkpoints!;
        var barrier = new SinkBarrier();
        _sink.Checkpoint(barrier);
        _ = _sink.FlushAsync();
        if (!barrier.Reached.Wait(_drainTimeout))
        {
            Log.CheckpointSkipped(_log, _drainTimeout);
            return;
        }

        var started = Environment.TickCount64;
        var positions = checkpoints.Take(_engine.Now);
        var committed = Ingest?.Commit(positions) ?? false;
        Log.Checkpointed(_log, positions.Count, Environment.TickCount64 - started, committed);
    }

    /// <summary>Moves stream time, hands released halves to the sink, and refreshes the snapshot a few times a second.</summary>
    private void Checkpoint()
    {
        _sinceCheckpoint = 0;
        AdvanceTime();
        var now = Environment.TickCount64;
        if (_checkpoints is not null && now >= _nextStateCheckpoint)
        {
            if (_nextStateCheckpoint != 0)
            {
                TakeStateCheckpoint();
            }

            _nextStateCheckpoint = Environment.TickCount64 + (long)_checkpoints.Interval.TotalMilliseconds;
        }

        _nextCheckpoint = now + CheckpointIntervalMs;
        if (_output.PendingReleases > 0)
        {
            _sink.Checkpoint(_output.TakeReleased());
        }

        if (now >= _nextSnapshot)
        {
            _nextSnapshot = now + SnapshotIntervalMs;
            PublishSnapshot();
        }
    }

    private void PublishSnapshot() => Volatile.Write(ref _snapshot, PipelineSnapshot.From(_engine));
}
