using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Kafka.Ingest;
using CallJoin.Service.Metrics;
using CallJoin.Service.Pipeline.Late;
using Microsoft.Extensions.Logging;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The ingest's handler: each message goes through the join engine into the ClickHouse sink, released halves are
/// handed to the sink so the ingest may commit past them once they are durable, stream time follows the watermark
/// across partitions (and the wall clock once everything is read), timed-out halves' calls are looked up in ClickHouse,
/// and a revoke forgets the revoked partitions' pending halves (their offsets were never committed past them).
/// </summary>
/// <remarks>
/// Every method runs on the ingest's consume thread, which owns the engine and its store, and none waits on ClickHouse
/// except at a graceful stop: a state checkpoint pauses the partitions (through <see cref="IsBehind"/>) until the sink
/// confirms the rows before it, while the ingest keeps polling.
/// </remarks>
internal sealed class JoinPipeline : IIngestHandler
{
    private const int HousekeepEvery = 4096;
    private const long HousekeepIntervalMs = 100;
    private const long SnapshotIntervalMs = 250;

    // Timeouts are applied this many at a time while the sink has room, for at most FiringBudgetMs per checkpoint, so a
    // jump of stream time (a restart, an idle partition let go) neither buffers a row per pending half nor stalls polling.
    internal const int TimeoutSlice = 1024;
    private const long FiringBudgetMs = 50;
    private const int DurableWaitSliceMs = 50;
    private const long ClampLogIntervalMs = 60_000;
    private const long BriefCheckpointPauseMs = 5_000;   // also the interval of repeated Kafka error warnings

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
    private int _sinceHousekeeping;
    private long _nextHousekeeping;
    private long _nextSnapshot;
    private PipelineSnapshot _snapshot = PipelineSnapshot.Empty;
    private readonly StateCheckpoints? _checkpoints;
    private readonly LateLookups? _lookups;
    private IReadOnlyList<LookupAnswer> _answers = [];
    private int _answered;
    private volatile SinkBarrier? _checkpointBarrier;
    private long _checkpointBegan;
    private long _nextStateCheckpoint;
    private long _wallMillis;
    private long _latestAllowedTimestamp;
    private long _clampedRecords;
    private long _nextClampLog;
    private int _idlePartitions;
    private long _reportedClientErrors;
    private long _nextClientErrorLog;

    /// <param name="checkpoints">State checkpoints (FASTER store, static ownership): where a restart with its volume resumes.</param>
    /// <param name="lookups">Where timed-out halves' calls are looked up; null keeps them in state for their retention.</param>
    /// <param name="matched">The matched calls restored with the state; null starts with none.</param>
    public JoinPipeline(IPendingStore store, ClickHouseSink sink, JoinOptions join, StreamTimeRules streamTime, long maxBufferedBytes,
        TimeSpan drainTimeout, CallJoinMetrics metrics, TimeProvider time, ILogger log, StateCheckpoints? checkpoints = null, LateLookups? lookups = null,
        MatchedCalls? matched = null)
    {
        _sink = sink;
        _checkpoints = checkpoints;
        _lookups = lookups;
        _output = new SinkJoinOutput(sink, metrics, time);
        var options = join with
        {
            RecordsAdvanceTime = false,
            LatePartners = lookups is null ? LatePartnerSource.RetainedState : LatePartnerSource.Lookup,
        };
        _engine = new JoinEngine<SinkJoinOutput>(store, options, _output, lookups, matched);
        _clock = new StreamClock(time, streamTime.IdleAdvanceAfter);
        _watermark = new PartitionWatermark(streamTime.PartitionIdleAfter);
        _time = time;
        _maxClockSkew = streamTime.MaxClockSkew;
        ReadWallClock();
        _maxBufferedBytes = maxBufferedBytes;
        _drainTimeout = drainTimeout;
        _log = log;
    }

    /// <summary>Set before a graceful stop: the final revoke then keeps the state instead of scanning it away.</summary>
    public bool Stopping { get; set; }

    /// <summary>
    /// Whether reading is paused only briefly for a state checkpoint waiting for the sink (under 5 s: longer, ClickHouse is
    /// slow or away, and it counts as backpressure). Any thread.
    /// </summary>
    public bool IsCheckpointing => _checkpointBarrier is not null && Environment.TickCount64 - Volatile.Read(ref _checkpointBegan) < BriefCheckpointPauseMs;

    /// <summary>Whether the last lookup batch failed and waits to be retried. Any thread (a recent value).</summary>
    public bool LookupsFailing => _lookups?.IsFailing == true;

    /// <summary>The latest copy of the engine's counters and state size.</summary>
    public PipelineSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <inheritdoc />
    /// <remarks>Also while a state checkpoint waits for the sink: reading stops so that nothing moves past it.</remarks>
    public bool IsBehind => _sink.BufferedBytes > _maxBufferedBytes || _checkpointBarrier is not null;

    /// <inheritdoc />
    public void OnMessage(IIngestContext ingest, CallSide side, int partition, long offset, long timestampMillis, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (timestampMillis > _latestAllowedTimestamp)
        {
            timestampMillis = Clamp(timestampMillis);
        }

        if (_checkpointBarrier is not null)
        {
            // A message fetched before the pause took effect: the state moves on, so this checkpoint would not describe it.
            _checkpointBarrier = null;
            Log.CheckpointInterrupted(_log);
        }

        _clock.OnRecord(timestampMillis);
        _watermark.OnRecord(side, partition, timestampMillis, _wallMillis);
        _checkpoints?.OnRecord(side, partition, offset);
        _engine.Process(side, value, key, new SourcePosition(partition, offset), timestampMillis);
        if (++_sinceHousekeeping >= HousekeepEvery || Environment.TickCount64 >= _nextHousekeeping)
        {
            Housekeep(ingest);
        }
    }

    /// <inheritdoc />
    public void OnIdle(IIngestContext ingest) => Housekeep(ingest);

    /// <inheritdoc />
    /// <remarks>
    /// A rebalance does not wait for ClickHouse: the revoked partitions' offsets are committed only up to what is durable,
    /// so their next reader re-reads the rest and writes the same rows (same versions), completing from ClickHouse what
    /// it cannot find in its own state. A graceful stop waits (within the drain timeout) so the restart re-reads little.
    /// </remarks>
    public void OnPartitionsRevoked(IIngestContext ingest, IReadOnlyList<int> partitions)
    {
        Housekeep(ingest);
        if (Stopping)
        {
            if (_checkpoints is not null)
            {
                // Static ownership: the last state checkpoint lets the restart resume right here.
                _checkpointBarrier = null;
                TakeStateCheckpointNow(ingest);
                ReportDurable(ingest);
            }
            else
            {
                var barrier = new SinkBarrier();
                _sink.AddMark(barrier);
                _ = _sink.FlushAsync();
                if (!WaitDurable(barrier))
                {
                    Log.RevokeNotDurable(_log, partitions.Count, _drainTimeout);
                }

                ReportDurable(ingest);
            }

            PublishSnapshot();
            return;
        }

        _ = _sink.FlushAsync();
        _watermark.Forget(partitions);
        var forgotten = _engine.ForgetPartitions(partitions.ToHashSet());
        Log.PartitionsForgotten(_log, string.Join(',', partitions), forgotten);
        PublishSnapshot();
    }

    /// <summary>
    /// Stream time: the watermark across the partitions being read; once all are read to their end (or idle) and input
    /// has been idle for a while, the wall clock (so the last halves time out without new records). The timeouts due are
    /// then applied in slices while the sink has room.
    /// </summary>
    private void AdvanceTime(IIngestContext ingest)
    {
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
    /// Takes over a store reopened from a state checkpoint: keeps the halves of the <paramref name="partitions"/> (read at
    /// the checkpoint and still read now), restores their timers, lookups and stream time, and returns the positions of
    /// the halves still waiting, which the ingest must hold uncommitted. Call before the ingest starts.
    /// </summary>
    public (int Kept, List<(CallSide Side, SourcePosition Position)> Unreleased) Restore(long streamTimeMillis, IReadOnlySet<int> partitions)
    {
        List<(CallSide, SourcePosition)> unreleased = [];
        var kept = _engine.RestoreTimers(streamTimeMillis, partitions.Contains, unreleased);
        return (kept, unreleased);
    }

    /// <summary>
    /// Starts a state checkpoint: a barrier goes to the sink and reading pauses (<see cref="IsBehind"/>) until ClickHouse
    /// confirms everything written before it; <see cref="Housekeep"/> then takes it. Given up if ClickHouse is failing or
    /// a message still arrives, and tried again at the next interval.
    /// </summary>
    private void BeginStateCheckpoint()
    {
        Volatile.Write(ref _checkpointBegan, Environment.TickCount64);
        _checkpointBarrier = new SinkBarrier();
        _sink.AddMark(_checkpointBarrier);
        _ = _sink.FlushAsync();
    }

    /// <summary>Takes the state checkpoint once its barrier is reached (true while it still waits).</summary>
    private bool ContinueStateCheckpoint(IIngestContext ingest)
    {
        if (_checkpointBarrier is not { } barrier)
        {
            return false;
        }

        if (barrier.Reached.IsCompleted)
        {
            _checkpointBarrier = null;
            TakeStateCheckpoint(ingest);
            return false;
        }

        if (_sink.IsFailing)
        {
            _checkpointBarrier = null;
            Log.CheckpointSkipped(_log, _drainTimeout);
            return false;
        }

        return true;
    }

    /// <summary>At a graceful stop: waits (within the drain timeout) for everything written to be durable, then checkpoints.</summary>
    private void TakeStateCheckpointNow(IIngestContext ingest)
    {
        var barrier = new SinkBarrier();
        _sink.AddMark(barrier);
        _ = _sink.FlushAsync();
        if (!WaitDurable(barrier))
        {
            Log.CheckpointSkipped(_log, _drainTimeout);
            return;
        }

        TakeStateCheckpoint(ingest);
    }

    /// <summary>
    /// Checkpoints the pending state with the positions read and stream time. Everything written before is durable, so a
    /// restart from it loses nothing; offsets are committed by the ingest from released halves, as without checkpoints.
    /// </summary>
    private void TakeStateCheckpoint(IIngestContext ingest)
    {
        var started = Environment.TickCount64;
        var positions = _checkpoints!.Take(_engine.Now, ingest.Assignment.StartPartitions, _engine.Matched);
        Log.Checkpointed(_log, positions.Count, Environment.TickCount64 - started, true);
    }

    /// <summary>Moves stream time, hands released halves to the sink, and refreshes the snapshot a few times a second.</summary>
    private void Housekeep(IIngestContext ingest)
    {
        _sinceHousekeeping = 0;
        ReadWallClock();
        var now = Environment.TickCount64;

        // While a state checkpoint waits for its barrier the state must not change: no timeouts, no lookup answers.
        ReportDurable(ingest);
        if (!ContinueStateCheckpoint(ingest))
        {
            ApplyLookupAnswers();
            AdvanceTime(ingest);
            if (_checkpoints is not null && now >= _nextStateCheckpoint && !_sink.IsFailing)
            {
                if (_nextStateCheckpoint != 0)
                {
                    BeginStateCheckpoint();
                }

                _nextStateCheckpoint = now + (long)_checkpoints.Interval.TotalMilliseconds;
            }
        }

        _nextHousekeeping = now + HousekeepIntervalMs;
        _output.MarkReleased();

        if (now >= _nextSnapshot)
        {
            _nextSnapshot = now + SnapshotIntervalMs;
            PublishSnapshot();
            ReportClientErrors(ingest);
        }
    }

    /// <summary>Reports the released halves the sink has made durable to the ingest, which may then commit past them.</summary>
    private void ReportDurable(IIngestContext ingest)
    {
        while (_output.Durable.TryDequeue(out var released))
        {
            ingest.MarkDurable(CallSide.Start, released.Starts);
            ingest.MarkDurable(CallSide.End, released.Ends);
            released.Return();
        }
    }

    /// <summary>
    /// Applies lookup answers a slice at a time while the sink has room (an answer may write a row), and starts the next
    /// batch once the last one is applied.
    /// </summary>
    private void ApplyLookupAnswers()
    {
        if (_lookups is null)
        {
            return;
        }

        if (_answered >= _answers.Count)
        {
            _answers = _lookups.TakeAnswers();
            _answered = 0;
        }

        var started = Environment.TickCount64;
        while (_answered < _answers.Count && !IsBehind && Environment.TickCount64 - started < FiringBudgetMs)
        {
            var end = Math.Min(_answers.Count, _answered + TimeoutSlice);
            for (; _answered < end; _answered++)
            {
                var answer = _answers[_answered];
                _engine.Resolve(new LatePartner
                {
                    Side = answer.Side,
                    ProjectId = answer.Key.ProjectId.Span,
                    Id = answer.Key.Id.Span,
                    CallComplete = answer.CallComplete,
                    RunningRow = answer.RunningRow,
                    StartMissingEnd = answer.StartMissingEnd.Span,
                });
            }
        }
    }

    /// <summary>Logs the Kafka client's non-fatal errors: the first at once, then at most once a minute with the count.</summary>
    private void ReportClientErrors(IIngestContext ingest)
    {
        if (ingest.ClientErrors == _reportedClientErrors || _wallMillis < _nextClientErrorLog)
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
        LookupsPending = _lookups?.Pending ?? 0,
        LookupFailures = _lookups?.Failures ?? 0,
    });
}
