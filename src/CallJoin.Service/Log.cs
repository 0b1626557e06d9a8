using Microsoft.Extensions.Logging;

namespace CallJoin.Service;

/// <summary>The service's log messages: event ids and templates are a stable contract for log queries.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "CallJoin starting: Kafka {Bootstrap} ({Ownership}, topics {StartTopic}/{EndTopic}, group {GroupId}), ClickHouse database {Database}, state {State}")]
    public static partial void Starting(ILogger log, string bootstrap, string ownership, string startTopic, string endTopic, string groupId, string database, string state);

    [LoggerMessage(2, LogLevel.Information, "Call completion worker disabled (ENABLE_CALL_COMPLETION_WORKER=false): consuming nothing")]
    public static partial void Disabled(ILogger log);

    [LoggerMessage(3, LogLevel.Warning, "Schema migration failed, retrying in {Delay}: {Reason}")]
    public static partial void MigrationRetry(ILogger log, TimeSpan delay, string reason);

    [LoggerMessage(4, LogLevel.Information, "Schema at version {Version} ({Applied} migrations applied)")]
    public static partial void Migrated(ILogger log, int version, int applied);

    [LoggerMessage(5, LogLevel.Information, "Consuming: {Partitions}")]
    public static partial void Consuming(ILogger log, string partitions);

    [LoggerMessage(6, LogLevel.Warning, "Revoking {Count} partitions: not everything was durable within {Timeout}, or ClickHouse is failing; the rest will be read again")]
    public static partial void RevokeNotDurable(ILogger log, int count, TimeSpan timeout);

    [LoggerMessage(7, LogLevel.Information, "Partitions {Partitions} given up: {Keys} pending keys forgotten (the new owner reads them again)")]
    public static partial void PartitionsForgotten(ILogger log, string partitions, long keys);

    [LoggerMessage(8, LogLevel.Information, "Stopping: draining the sink and committing safe offsets")]
    public static partial void Stopping(ILogger log);

    [LoggerMessage(9, LogLevel.Information, "Stopped: {Consumed} messages consumed, {Rows} rows durable")]
    public static partial void Stopped(ILogger log, long consumed, long rows);

    [LoggerMessage(10, LogLevel.Critical, "The ingest stopped with an error; shutting down")]
    public static partial void IngestFailed(ILogger log, Exception error);

    // 11 (sink failing) moved to the sink's own log messages, category CallJoin.Sink (CallJoin.ClickHouse.Sink.SinkLog).

    [LoggerMessage(15, LogLevel.Critical, "CallJoin stopped with an error; exiting with code 1")]
    public static partial void Failed(ILogger log, Exception error);

    [LoggerMessage(12, LogLevel.Debug, "State checkpoint of {Partitions} partition positions in {Millis} ms (committed: {Committed})")]
    public static partial void Checkpointed(ILogger log, int partitions, long millis, bool committed);

    [LoggerMessage(13, LogLevel.Warning, "State checkpoint skipped: ClickHouse did not confirm the rows written within {Timeout}, or is failing; the next one covers them")]
    public static partial void CheckpointSkipped(ILogger log, TimeSpan timeout);

    [LoggerMessage(14, LogLevel.Information, "Resumed from a state checkpoint: {Keys} pending keys, stream time {StreamTime}")]
    public static partial void Resumed(ILogger log, int keys, string streamTime);

    [LoggerMessage(30, LogLevel.Warning, "Record timestamps ahead of the wall clock by more than {Skew}: {Count} clamped so far (latest {Timestamp:o}); check the producers' clocks")]
    public static partial void TimestampsClamped(ILogger log, TimeSpan skew, long count, DateTimeOffset timestamp);

    [LoggerMessage(31, LogLevel.Warning, "{Count} partitions yielded nothing for {IdleAfter} and no longer hold stream time back")]
    public static partial void PartitionsIdle(ILogger log, int count, TimeSpan idleAfter);

    [LoggerMessage(32, LogLevel.Warning, "Kafka client errors (retried by the client): {Count} so far, the last {Code}: {Reason}")]
    public static partial void KafkaClientErrors(ILogger log, long count, string code, string reason);

    [LoggerMessage(40, LogLevel.Information, "Routing configuration reloaded: force merged {ForceMerged}, enabled {Enabled}, mode {Mode}, cutoff {Cutoff}, rollout {RolloutPercent}%")]
    public static partial void RoutingReloaded(ILogger log, bool forceMerged, bool enabled, string mode, string cutoff, int rolloutPercent);

    [LoggerMessage(41, LogLevel.Error, "Routing configuration reload rejected, the previous routing stays in force: {Problems}")]
    public static partial void RoutingReloadRejected(ILogger log, string problems);

    [LoggerMessage(42, LogLevel.Warning, "Routing emergency override {Override}: every read to calls_merged is now {ForceMerged}")]
    public static partial void RoutingEmergency(ILogger log, string @override, bool forceMerged);

    [LoggerMessage(43, LogLevel.Warning, "Looking up {Calls} timed-out calls in ClickHouse failed ({Kind}); retrying in {Delay}, their halves wait in state: {Reason}")]
    public static partial void LookupFailed(ILogger log, int calls, string kind, TimeSpan delay, string reason);

    [LoggerMessage(44, LogLevel.Debug, "State checkpoint deferred to the next interval: a message fetched before reading paused arrived")]
    public static partial void CheckpointInterrupted(ILogger log);

    [LoggerMessage(45, LogLevel.Warning, "The matched calls saved with the state checkpoint cannot be read ({Problem}); starting without them: redelivered halves of recent calls are resolved by lookups instead")]
    public static partial void MatchedCallsUnreadable(ILogger log, string problem);

    [LoggerMessage(46, LogLevel.Warning, "CallJoin:Sink:Discard is set: rows are built and acknowledged but never sent to ClickHouse")]
    public static partial void SinkDiscards(ILogger log);
}
