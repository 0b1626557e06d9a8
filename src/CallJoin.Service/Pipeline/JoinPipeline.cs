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

    // Timeouts are applied this many at a time while the sink has room, for at most FiringBudgetMs per checkpoint, so a
    // jump of stream time (a restart, an idle partition let go) neither buffers a row per pending half nor stalls polling.
    internal const int TimeoutSlice = 1024;
    private const long FiringBudgetMs = 50;
    private const int DurableWaitSliceMs = 50;
    private const long ClampLogIntervalMs = 60_000;   // also the interval of repeated Kafka error warnings

    private readonly JoinEngine<SinkJoinOutput> _engine;
    private readonly SinkJoinOutput _output;
    private readonly ClickHouseSink _sink;
    private readonly StreamClock _clock;
    private readonly PartitionWatermark _watermark;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxClockSkew;
    private readonly long _maxBufferedBytes;
    private readonly TimeSpan _drainTimeout;
    private readonly ILogger _log;
    private int _sinceCheckpoint;
    private long _nextCheckpoint;
    private long _nextSnapshot;
    private PipelineSnapshot _snapshot = PipelineSnapshot.Empty;
    private readonly StateCheckpoints? _checkpoints;
    private long _nextStateCheckpoint;
    private long _wallMillis;
    private long _latestAllowedTimestamp;
    private long _clampedRecords;
    private long _nextClampLog;
    private int _idlePartitions;
    private long _reportedClientErrors;
    private long _nextClientErrorLog;

    /// <param name="checkpoints">
    /// State checkpoints (FASTER store, static ownership): the pipeline then commits their positions, not released halves.
    /// </param>
    public JoinPipeline(IPendingStore store, ClickHouseSink sink, JoinOptions join, StreamTimeRules streamTime, long maxBufferedBytes,
        TimeSpan drainTimeout, CallJoinMetrics metrics, TimeProvider time, ILogger log, StateCheckpoints? checkpoints = null)
    {
        _sink = sink;
        _checkpoints = checkpoints;
        _output = new SinkJoinOutput(sink, metrics, time, trackReleases: checkpoints is null);
        _engine = new JoinEngine<SinkJoinOutput>(store, join with { RecordsAdvanceTime = false }, _output);
        _clock = new StreamClock(time, streamTime.IdleAdvanceAfter);
        _watermark = new PartitionWatermark(streamTime.PartitionIdleAfter);
        _time = time;
        _maxClockSkew = streamTime.MaxClockSkew;
        ReadWallClock();
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
        if (timestampMillis > _latestAllowedTimestamp)
        {
            timestampMillis = Clamp(timestampMillis);
        }

        _clock.OnRecord(timestampMillis);
        _watermark.OnRecord(side, partition, timestampMillis, _wallMillis);
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
        if (!WaitDurable(barrier))
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
    /// Stream time: the watermark across the partitions being read; once all are read to their end (or idle) and input
    /// has been idle for a while, the wall clock (so the last halves time out without new records). The timeouts due are
    /// then applied in slices while the sink has room.
    /// </summary>
    private void AdvanceTime()
    {
        if (Ingest is not { } ingest)
        {
            return;
        }

        if (ingest.IsPaused)
        {
            _watermark.OnPaused(_wallMillis);
        }

        var target = long.MinValue;
        if (_watermark.TryGet(ingest.Assignment.StartPartitions, ingest.Lag, _wallMillis, out var watermark, out var caughtUp))
        {
            target = watermark;
        }
        else if (caughtUp && _clock.TryGetIdleTime(caughtUp: true, out var now))
        {
            target = now;
        }

        if (_watermark.IdlePartitions > _idlePartitions)
        {
            Log.PartitionsIdle(_log, _watermark.IdlePartitions, _watermark.IdleAfter);
        }

        _idlePartitions = _watermark.IdlePartitions;
        ApplyTimeouts(target);
    }

    /// <summary>Moves stream time to <paramref name="target"/> and applies due timeouts a slice at a time while the sink has room.</summary>
    private void ApplyTimeouts(long target)
    {
        var started = Environment.TickCount64;
        while (!IsBehind)
        {
            if (_engine.AdvanceTime(target, TimeoutSlice) || Environment.TickCount64 - started >= FiringBudgetMs)
            {
                return;
            }
        }

        _engine.AdvanceTime(target, maxTimeouts: 0);   // the sink is full: time moves, the timeouts wait for room
    }

    /// <summary>
    /// Waits until everything written before <paramref name="barrier"/> is durable, for at most the drain timeout, and
    /// gives up as soon as ClickHouse is failing: an outage must not hold the consume thread (what is not durable is
    /// not committed, and is read again).
    /// </summary>
    private bool WaitDurable(SinkBarrier barrier)
    {
        var deadline = Environment.TickCount64 + (long)_drainTimeout.TotalMilliseconds;
        while (!barrier.Reached.Wait(DurableWaitSliceMs))
        {
            if (_sink.IsFailing || Environment.TickCount64 >= deadline)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A record stamped beyond the wall clock plus the allowed skew counts as stamped at that limit.</summary>
    private long Clamp(long timestampMillis)
    {
        _clampedRecords++;
        if (_wallMillis >= _nextClampLog)
        {
            _nextClampLog = _wallMillis + ClampLogIntervalMs;
            Log.TimestampsClamped(_log, _maxClockSkew, _clampedRecords, DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(timestampMillis, 0, 253_402_300_799_999)));
        }

        return _latestAllowedTimestamp;
    }

    private void ReadWallClock()
    {
        _wallMillis = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _latestAllowedTimestamp = _wallMillis + (long)_maxClockSkew.TotalMilliseconds;
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
        if (!WaitDurable(barrier))
        {
            Log.CheckpointSkipped(_log, _drainTimeout);
            return;
        }

        var started = Environment.TickCount64;
        var positions = checkpoints.Take(_engine.Now, Ingest?.Assignment.StartPartitions ?? []);
        var committed = Ingest?.Commit(positions) ?? false;
        Log.Checkpointed(_log, positions.Count, Environment.TickCount64 - started, committed);
    }

    /// <summary>Moves stream time, hands released halves to the sink, and refreshes the snapshot a few times a second.</summary>
    private void Checkpoint()
    {
        _sinceCheckpoint = 0;
        ReadWallClock();
        AdvanceTime();
        var now = Environment.TickCount64;
        if (_checkpoints is not null && now >= _nextStateCheckpoint && !_sink.IsFailing)
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
            ReportClientErrors();
        }
    }

    /// <summary>Logs the Kafka client's non-fatal errors: the first at once, then at most once a minute with the count.</summary>
    private void ReportClientErrors()
    {
        if (Ingest is not { } ingest || ingest.ClientErrors == _reportedClientErrors || _wallMillis < _nextClientErrorLog)
        {
            return;
        }

        _reportedClientErrors = ingest.ClientErrors;
        _nextClientErrorLog = _wallMillis + ClampLogIntervalMs;
        var error = ingest.LastClientError;
        Log.KafkaClientErrors(_log, _reportedClientErrors, error?.Code.ToString() ?? "", error?.Reason ?? "");
    }

    private void PublishSnapshot() => Volatile.Write(ref _snapshot, PipelineSnapshot.From(_engine) with
    {
        ClampedRecords = _clampedRecords,
        IdlePartitions = _idlePartitions,
    });
}
