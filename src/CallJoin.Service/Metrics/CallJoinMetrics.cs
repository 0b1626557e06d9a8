using System.Diagnostics.Metrics;
using CallJoin.Service.Pipeline;

namespace CallJoin.Service.Metrics;

/// <summary>
/// The service's instruments on one <see cref="Meter"/> named <see cref="MeterName"/>: counters and gauges observed
/// from the join, the ingest and the sink at collection time, and the join and flush latency histograms. Exported in
/// Prometheus text format at <c>/metrics</c> (names become e.g. <c>calljoin_halves_consumed_total</c>).
/// </summary>
public sealed class CallJoinMetrics : IDisposable
{
    /// <summary>The meter's name, for exporters to listen to.</summary>
    public const string MeterName = "CallJoin";

    /// <summary>Histogram bucket bounds in seconds for both latencies: 1 ms to 10 min.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } =
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

    private readonly Meter _meter;
    private readonly Counter<long> _errors;
    private volatile CallJoinService? _service;

    public CallJoinMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        JoinLatency = _meter.CreateHistogram<double>("calljoin.join.latency", "s",
            "From a call's ended_at to its complete row reaching the sink (the client's and Kafka's delay included).");
        FlushLatency = _meter.CreateHistogram<double>("calljoin.sink.flush.latency", "s",
            "From a batch being sealed to it being durable in ClickHouse, retries included.");
        Batches = _meter.CreateCounter<long>("calljoin.sink.batches", "{batch}", "Batches acknowledged as durable.");
        _errors = _meter.CreateCounter<long>("calljoin.errors", "{record}", "Error records written, by reason.");

        Half("calljoin.halves.consumed", "Halves consumed, by side.", s => [Side(s.StartsConsumed, "start"), Side(s.EndsConsumed, "end")]);
        Counter("calljoin.calls.matched", "Calls joined into a complete row.", s => s.Matched);
        Counter("calljoin.calls.late_matched", "Complete rows made after the start's running row or the end's start_missing record.", s => s.LateMatched);
        Counter("calljoin.lookups.requested", "Timed-out halves whose calls were looked up in ClickHouse.", s => s.Lookups);
        Counter("calljoin.lookups.early", "Of the lookups, ends looked up after a short wait: their own started_at was past both timeouts.", s => s.EarlyLookups);
        Counter("calljoin.lookups.answered", "Lookup answers applied to halves still waiting for them.", s => s.LookupsAnswered);
        Counter("calljoin.lookups.failures", "Failed lookup batches, each retried.", s => s.LookupFailures);
        Counter("calljoin.rows.running", "Running rows written for starts alone past the start timeout.", s => s.RunningRows);
        Counter("calljoin.calls.start_missing", "Ends alone past the end timeout (orphans), written as start_missing.", s => s.StartMissing);
        Counter("calljoin.halves.duplicate", "Exact redeliveries ignored.", s => s.Duplicates);
        Counter("calljoin.halves.conflicting", "Second, different halves for the same call and side (first kept).", s => s.Conflicts);
        Counter("calljoin.halves.malformed", "Messages that are not a valid start or end.", s => s.Malformed);
        Counter("calljoin.halves.too_large", "Halves too large to wait in the pending store.", s => s.HalvesTooLarge);
        Counter("calljoin.rows.oversize", "Rows whose dumps were replaced by upstream's size marker.", s => s.RowsWithDumpsReplaced);
        Counter("calljoin.calls.key_collision", "Different calls whose join keys hashed alike.", s => s.KeyCollisions);
        Half("calljoin.halves.expired", "Halves dropped after their retention, by side.", s => [Side(s.ExpiredStarts, "start"), Side(s.ExpiredEnds, "end")]);
        _meter.CreateObservableGauge("calljoin.join.match_ratio", () => MatchRatio(Snapshot()), "1",
            "Matched calls per consumed end.");
        _meter.CreateObservableGauge("calljoin.join.stream_time", () => Snapshot().StreamTimeMillis / 1000.0, "s",
            "Stream time: the newest record timestamp (or idle wall-clock advance), seconds since the Unix epoch.");

        _meter.CreateObservableCounter("calljoin.join.clamped_timestamps", () => Snapshot().ClampedRecords, "{record}",
            "Records stamped later than the wall clock plus the allowed skew, counted as stamped at that limit.");
        _meter.CreateObservableGauge("calljoin.join.idle_partitions", () => Snapshot().IdlePartitions, "{partition}",
            "Partitions behind that yielded nothing for a while and no longer hold stream time back.");
        _meter.CreateObservableGauge("calljoin.state.entries", () => Snapshot().State.Entries, "{entry}", "Keys in the pending store (halves waiting for their partner or a lookup).");
        _meter.CreateObservableGauge("calljoin.state.value_bytes", () => Snapshot().State.ValueBytes, "By", "Bytes of the pending store's live values.");
        _meter.CreateObservableGauge("calljoin.state.memory_bytes", () => Snapshot().State.MemoryBytes, "By", "Bytes the pending store holds in memory.");
        _meter.CreateObservableGauge("calljoin.state.disk_bytes", () => Snapshot().State.DiskBytes, "By", "Bytes of the pending store spilled to local disk.");
        _meter.CreateObservableGauge("calljoin.state.memory_budget_bytes", ObserveStateBudget, "By",
            "The pending store's configured in-memory budget for its log (the hash index comes on top); above it, the log spills to local disk.");
        _meter.CreateObservableGauge("calljoin.state.timers", () => Snapshot().PendingTimers, "{timer}", "Keys waiting on a timeout.");
        _meter.CreateObservableGauge("calljoin.state.matched_calls", () => Snapshot().MatchedCalls, "{call}", "Recently matched calls remembered to recognise redelivered halves.");
        _meter.CreateObservableGauge("calljoin.state.matched_calls_bytes", () => Snapshot().MatchedCallsBytes, "By", "Memory held by the remembered matched calls.");
        _meter.CreateObservableGauge("calljoin.lookups.pending", () => Snapshot().LookupsPending, "{call}", "Calls queued or under way to be looked up in ClickHouse.");

        _meter.CreateObservableGauge("calljoin.kafka.lag", ObserveLag, "{message}", "High watermark minus the next offset to read, per topic partition.");
        _meter.CreateObservableCounter("calljoin.kafka.consumed", () => _service?.Ingest?.ConsumedCount ?? 0, "{message}", "Messages consumed from both topics.");
        _meter.CreateObservableGauge("calljoin.kafka.paused", () => _service?.Ingest?.IsPaused == true ? 1 : 0, "1", "1 while the partitions are paused for backpressure.");
        _meter.CreateObservableCounter("calljoin.kafka.pauses", () => _service?.Ingest?.Pauses ?? 0, "{pause}", "Times the ingest paused for backpressure.");
        _meter.CreateObservableCounter("calljoin.kafka.commit_failures", () => _service?.Ingest?.FailedCommits ?? 0, "{commit}", "Offset commits the broker refused.");
        _meter.CreateObservableCounter("calljoin.kafka.client_errors", () => _service?.Ingest?.ClientErrors ?? 0, "{error}", "Non-fatal Kafka client errors (consume errors, broker and request failures), each retried by the client.");
        _meter.CreateObservableGauge("calljoin.kafka.held_offsets", () => _service?.Ingest?.HeldOffsets ?? 0, "{offset}", "Consumed offsets not yet safe to commit.");

        _meter.CreateObservableCounter("calljoin.sink.rows", () => _service?.Sink?.InsertedRows ?? 0, "{row}", "calls_complete rows durable in ClickHouse.");
        _meter.CreateObservableCounter("calljoin.sink.retries", () => _service?.Sink?.Retries ?? 0, "{insert}", "Inserts retried after a transient failure.");
        _meter.CreateObservableCounter("calljoin.sink.rejected_rows", () => _service?.Sink?.RejectedRows ?? 0, "{row}", "Rows ClickHouse refused for good (moved to the error table).");
        _meter.CreateObservableCounter("calljoin.sink.oversize_rows", () => _service?.Sink?.RowsOverInsertLimit ?? 0, "{row}", "Rows above the row size limit (moved to the error table).");
        _meter.CreateObservableCounter("calljoin.sink.dropped_error_records", () => _service?.Sink?.DroppedErrorRecords ?? 0, "{record}", "Error records ClickHouse refused for good.");
        _meter.CreateObservableGauge("calljoin.sink.buffered_bytes", () => _service?.Sink?.BufferedBytes ?? 0, "By", "RowBinary bytes accepted and not yet durable.");
        _meter.CreateObservableGauge("calljoin.sink.max_buffered_bytes", () => _service?.Settings.Sink.MaxBufferedBytes ?? 0, "By",
            "The configured bound on unacknowledged bytes; above it, the ingest pauses.");
    }

    /// <summary>Join latency, seconds (complete rows only).</summary>
    public Histogram<double> JoinLatency { get; }

    /// <summary>Flush latency, seconds, per batch.</summary>
    public Histogram<double> FlushLatency { get; }

    /// <summary>Batches acknowledged.</summary>
    public Counter<long> Batches { get; }

    /// <summary>Counts an error record by its reason (allocation-free: one tag).</summary>
    public void CountError(string reason) => _errors.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Makes the observable instruments read this service.</summary>
    internal void Observe(CallJoinService service) => _service = service;

    public void Dispose() => _meter.Dispose();

    private PipelineSnapshot Snapshot() => _service?.Snapshot ?? PipelineSnapshot.Empty;

    private static double MatchRatio(PipelineSnapshot s) => s.EndsConsumed == 0 ? 0 : (double)s.Matched / s.EndsConsumed;

    private void Counter(string name, string description, Func<PipelineSnapshot, long> read) =>
        _meter.CreateObservableCounter(name, () => read(Snapshot()), "{event}", description);

    private void Half(string name, string description, Func<PipelineSnapshot, Measurement<long>[]> read) =>
        _meter.CreateObservableCounter(name, () => read(Snapshot()), "{half}", description);

    private static Measurement<long> Side(long value, string side) => new(value, new KeyValuePair<string, object?>("side", side));

    /// <summary>The FASTER store's budget; nothing for the in-memory store, which has none.</summary>
    private IEnumerable<Measurement<long>> ObserveStateBudget()
    {
        if (_service?.Settings.State is { } state)
        {
            yield return new Measurement<long>(state.MemoryBudgetBytes);
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        var lag = _service?.Ingest?.Lag ?? [];
        foreach (var p in lag)
        {
            yield return new Measurement<long>(p.Messages,
                new KeyValuePair<string, object?>("topic", p.Topic), new KeyValuePair<string, object?>("partition", p.Partition));
        }
    }
}
