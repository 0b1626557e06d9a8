using CallJoin.ClickHouse.Lookup;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Kafka.Ingest;
using CallJoin.Service.Metrics;
using CallJoin.Service.Pipeline;
using CallJoin.Service.Pipeline.Late;
using CallJoin.Service.Settings;
using CallJoin.State;
using ClickHouse.Driver;
using Microsoft.Extensions.Logging;

namespace CallJoin.Service;

/// <summary>
/// The running service as a plain object: migrates the schema, then reads both topics through the join engine into
/// the ClickHouse sink, committing offsets only behind durable rows. Hosting wraps it (<see cref="Hosting.CallJoinHost"/>).
/// </summary>
/// <remarks>
/// <see cref="StartAsync"/> and <see cref="StopAsync"/> are called once each, in that order; the status properties may be
/// read from any thread. A fatal ingest error (or a handler failure), or a sink stopped on a failure it must not
/// retry, completes <see cref="Completion"/> with it.
/// </remarks>
public sealed class CallJoinService : IAsyncDisposable
{
    private static readonly TimeSpan MaxMigrationRetryDelay = TimeSpan.FromSeconds(30);
    private const long MinUnixMillis = -62_135_596_800_000;   // DateTimeOffset.MinValue
    private const long MaxUnixMillis = 253_402_300_799_999;   // DateTimeOffset.MaxValue

    private readonly ServiceSettings _settings;
    private readonly CallJoinMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ILogger _sinkLog;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClickHouseClient? _client;
    private IPendingStore? _store;
    private JoinPipeline? _pipeline;
    private Task _acks = Task.CompletedTask;
    private volatile bool _ready;
    private volatile bool _stopped;
    private Exception? _lastMigrationError;

    public CallJoinService(ServiceSettings settings, CallJoinMetrics metrics, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(loggers);
        _settings = settings;
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
        _log = loggers.CreateLogger("CallJoin.Service");
        _sinkLog = loggers.CreateLogger("CallJoin.Sink");
        metrics.Observe(this);
    }

    /// <summary>The settings it runs with.</summary>
    public ServiceSettings Settings => _settings;

    /// <summary>Completes when the service stops: with the error that stopped it, if one did.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Migrated and consuming (or disabled by configuration), and not stopped.</summary>
    public bool IsReady => _ready && !_stopped;

    /// <summary>Not failed: the ingest is running or stopped cleanly.</summary>
    public bool IsHealthy => !_completion.Task.IsFaulted;

    /// <summary>The ingest, once started.</summary>
    public CoPartitionedIngest? Ingest { get; private set; }

    /// <summary>The sink, once started.</summary>
    public ClickHouseSink? Sink { get; private set; }

    /// <summary>Why the last schema migration attempt failed while it is being retried; null once migrated.</summary>
    public Exception? LastMigrationError => Volatile.Read(ref _lastMigrationError);

    /// <summary>The join's latest counters and state size.</summary>
    public PipelineSnapshot Snapshot => _pipeline?.Snapshot ?? PipelineSnapshot.Empty;

    /// <summary>Whether reading is paused briefly for a state checkpoint waiting on ClickHouse to confirm the rows before it.</summary>
    public bool IsCheckpointing => _pipeline?.IsCheckpointing == true;

    /// <summary>Whether the last lookup of timed-out halves' calls failed and waits to be retried.</summary>
    public bool LookupsFailing => _pipeline?.LookupsFailing == true;

    /// <summary>Migrates (retrying while ClickHouse is unreachable) and starts consuming.</summary>
    /// <exception cref="InvalidOperationException">The topics are missing or not co-partitioned.</exception>
    public async Task StartAsync(CancellationToken ct)
    {
        var ingest = _settings.Ingest;
        Log.Starting(_log, ingest.BootstrapServers, ingest.Ownership == IngestOwnership.Static ? $"static {ingest.Ordinal} of {ingest.Replicas}" : "group",
            ingest.StartTopic, ingest.EndTopic, ingest.GroupId, _settings.ClickHouse.Database,
            _settings.State is { } state ? $"FASTER at {state.Directory}, {state.MemoryBudgetBytes >> 20} MiB in memory" : "in memory");
        if (!_settings.Enabled)
        {
            Log.Disabled(_log);
            _ready = true;
            return;
        }

        _client = new ClickHouseClient(_settings.ClickHouse.ConnectionString);
        if (_settings.Migrate)
        {
            await MigrateAsync(_client, ct).ConfigureAwait(false);
        }

        var (checkpoints, resumeFrom) = OpenStore();
        var ingestOptions = checkpoints is null ? ingest : ingest with { StartPositions = resumeFrom?.Positions ?? [] };
        // Error records name the topics actually read, whatever the sink settings were built from.
        Sink = new ClickHouseSink(_client, _settings.Sink with { StartTopic = ingest.StartTopic, EndTopic = ingest.EndTopic }, _time, log: _sinkLog);
        if (_settings.Sink.Discard)
        {
            Log.SinkDiscards(_log);
        }

        _ = Sink.Completion.ContinueWith(OnSinkEnded, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var streamTime = new StreamTimeRules(_settings.IdleAdvanceAfter, _settings.MaxClockSkew, _settings.PartitionIdleAfter);
        var lookups = _settings.Join.LatePartners == LatePartnerSource.Lookup
            ? new LateLookups(new ClickHouseCallRecords(new LatePartnerLookup(_client, _settings.Sink)), AllWrittenDurable, _time, _log)
            : null;
        MatchedCalls? matched = null;
        if (resumeFrom is not null && _settings.State is { } stateOptions)
        {
            matched = StateCheckpoints.ReadMatchedCalls(stateOptions.Directory, out var problem);
            if (problem is not null)
            {
                Log.MatchedCallsUnreadable(_log, problem);
            }
        }

        _pipeline = new JoinPipeline(_store!, Sink, _settings.Join, streamTime, _settings.Sink.MaxBufferedBytes,
            _settings.DrainTimeout, _metrics, _time, _log, checkpoints, lookups, matched);
        List<(CallSide, SourcePosition)> unreleased = [];
        if (resumeFrom is not null)
        {
            // Only the partitions read at the checkpoint and still ours: another replica count moved the others, whose
            // halves here may be stale (their new owner gave them an outcome); those resume from the committed offsets.
            var partitions = resumeFrom.Positions.Select(p => p.Partition)
                .Where(p => ingest.Ownership != IngestOwnership.Static || p % ingest.Replicas == ingest.Ordinal).ToHashSet();
            (var keys, unreleased) = _pipeline.Restore(resumeFrom.StreamTimeMillis, partitions);
            // A checkpoint taken before the first record has no stream time (long.MinValue), which no date can show.
            var resumedAt = resumeFrom.StreamTimeMillis is >= MinUnixMillis and <= MaxUnixMillis
                ? DateTimeOffset.FromUnixTimeMilliseconds(resumeFrom.StreamTimeMillis).ToString("O", System.Globalization.CultureInfo.InvariantCulture)
                : "none (nothing read yet)";
            Log.Resumed(_log, keys, resumedAt);
        }

        Ingest = new CoPartitionedIngest(ingestOptions, _pipeline, _time);
        Ingest.Hold(unreleased);
        _acks = Task.Run(new DurabilityReporter(Sink, _metrics).RunAsync, CancellationToken.None);
        Ingest.Start();
        _ = Ingest.Completion.ContinueWith(OnIngestEnded, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _ready = true;
        if (ingest.Ownership == IngestOwnership.Static)
        {
            Log.Consuming(_log, string.Join(',', Ingest.Assignment.StartPartitions));
        }
    }

    /// <summary>
    /// Stops consuming, waits (up to the drain timeout) for buffered rows to become durable, commits the safe offsets,
    /// then completes the sink. Pending halves are not written: they are read again after a restart.
    /// </summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Log.Stopping(_log);
        if (Ingest is { } ingest)
        {
            _pipeline!.Stopping = true;
            await Task.Run(ingest.Stop, CancellationToken.None).ConfigureAwait(false);
        }

        if (Sink is { } sink)
        {
            try
            {
                await sink.CompleteAsync(ct).ConfigureAwait(false);
                await _acks.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Out of time: what is not durable was not committed and is read again on restart.
            }
            catch (SinkFaultedException)
            {
                // Already reported through Completion: what is not durable was not committed.
            }
        }

        Log.Stopped(_log, Ingest?.ConsumedCount ?? 0, Sink?.InsertedRows ?? 0);
        _completion.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (Sink is { } sink)
        {
            await sink.DisposeAsync().ConfigureAwait(false);
        }

        Ingest?.Dispose();
        _store?.Dispose();
        _client?.Dispose();
    }

    /// <summary>
    /// Opens the pending store. With FASTER and static ownership, state checkpoints are on: the store reopens from the
    /// last checkpoint in its folder, if there is one, and reading resumes from that checkpoint's positions. Otherwise the
    /// store starts empty and offsets are committed only behind durable rows.
    /// </summary>
    private (StateCheckpoints? Checkpoints, StateCheckpoint? ResumeFrom) OpenStore()
    {
        if (_settings.State is not { } options)
        {
            _store = new InMemoryPendingStore();
            return (null, null);
        }

        var checkpointing = _settings.Ingest.Ownership == IngestOwnership.Static && _settings.CheckpointInterval > TimeSpan.Zero;
        if (!checkpointing || !StateCheckpoints.HasCommitted(options.Directory))
        {
            // No checkpoint here ever completed, so no offset was committed from this state: it starts empty.
            ClearDirectory(options.Directory);
            var empty = new FasterPendingStore(options with { DeleteOnDispose = !checkpointing });
            _store = empty;
            return checkpointing ? (new StateCheckpoints(empty, _settings.CheckpointInterval, [], _settings.CompactAboveBytes), null) : (null, null);
        }

        var store = RecoverStore(options);
        _store = store;
        var resumeFrom = StateCheckpoint.TryParse(store.RecoveredCookie.Span) ?? throw Unrecoverable(options.Directory,
            "the checkpoint carries no input positions (written by an older version, or damaged)");
        return (new StateCheckpoints(store, _settings.CheckpointInterval, resumeFrom.Positions, _settings.CompactAboveBytes), resumeFrom);
    }

    /// <summary>Reopens the latest state checkpoint; a checkpoint that cannot be read stops the service, deleting nothing.</summary>
    private static FasterPendingStore RecoverStore(PendingStoreOptions options)
    {
        try
        {
            return new FasterPendingStore(options with { DeleteOnDispose = false, RecoverLatest = true });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw Unrecoverable(options.Directory, ex.Message);
        }
    }

    private static InvalidOperationException Unrecoverable(string directory, string reason) => new(
        $"The pending state in {directory} cannot be recovered ({reason}). Nothing was deleted. To start from the committed "
        + "offsets instead, move that folder away: the halves waiting in it then become running rows or start_missing records.");

    private static void ClearDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task MigrateAsync(ClickHouseClient client, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                var migrator = new SchemaMigrator(client, _settings.ClickHouse.Database);
                var applied = await migrator.MigrateAsync(ct: ct).ConfigureAwait(false);
                Log.Migrated(_log, CallJoinMigrations.All.Max(m => m.Version), applied.Count);
                Volatile.Write(ref _lastMigrationError, null);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or ClickHouseServerException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Volatile.Write(ref _lastMigrationError, ex);
                Log.MigrationRetry(_log, delay, ex.Message);
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxMigrationRetryDelay.Ticks));
            }
        }
    }

    /// <summary>A task that completes once everything added to the sink so far is durable.</summary>
    private Task AllWrittenDurable()
    {
        var barrier = new SinkBarrier();
        Sink!.AddMark(barrier);
        return barrier.Reached;
    }

    private void OnSinkEnded(Task ended)
    {
        if (ended.Exception is { } error)
        {
            _completion.TrySetException(error.GetBaseException());
        }
    }

    private void OnIngestEnded(Task ended)
    {
        if (ended.Exception is { } error)
        {
            Log.IngestFailed(_log, error.GetBaseException());
            _completion.TrySetException(error.GetBaseException());
        }
    }
}
