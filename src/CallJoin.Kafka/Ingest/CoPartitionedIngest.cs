using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>
/// Reads the starts and ends topics so that partition p of both is always read by the same instance, hands every message
/// to an <see cref="IIngestHandler"/>, and commits per partition only the safe restart point of an <see cref="OffsetLedger"/>.
/// </summary>
/// <remarks>
/// <para>
/// One Confluent.Kafka consumer, used only by its own consume thread (<see cref="Start"/> to <see cref="Stop"/>).
/// <see cref="Durable(CallSide, SourcePosition)"/> is thread-safe. While the handler reports
/// <see cref="IIngestHandler.IsBehind"/> (or too many offsets are held), all assigned partitions are paused and the loop
/// keeps polling with a short timeout (heartbeats, rebalances, commits) until it drains, then resumes them.
/// </para>
/// <para>
/// Commits happen every <see cref="IngestOptions.CommitInterval"/> for the assigned partitions only; in group mode a
/// revoke first asks the handler to make the revoked partitions durable, commits what is then safe and forgets them, so
/// no commit is sent for partitions held across a rebalance (eager range assignment revokes everything first).
/// </para>
/// </remarks>
public sealed class CoPartitionedIngest : IDisposable
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(30);

    private readonly IngestOptions _options;
    private readonly IIngestHandler _handler;
    private readonly TimeProvider _time;
    private readonly OffsetLedger _ledger = new();
    private readonly Lock _gate = new();
    private readonly PayloadBuffer _payload = new();
    private readonly PayloadBuffer _key = new(256);
    private readonly IConsumer<int, int> _consumer;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<(CallSide Side, int Partition), long> _committed = [];
    private readonly List<TopicPartitionOffset> _commitBatch = [];
    private readonly Dictionary<TopicPartition, long> _startOffsets = [];
    private List<TopicPartition> _assigned = [];
    private IngestAssignment _assignment = IngestAssignment.Empty;
    private IReadOnlyList<PartitionLag> _lag = [];
    private int _assignedCount;
    private Thread? _thread;
    private volatile bool _stopping;
    private volatile bool _paused;
    private bool _assignmentChanged;
    private bool _closing;
    private long _consumedCount;
    private long _pauses;
    private long _failedCommits;
    private long _clientErrors;
    private Error? _lastClientError;

    public CoPartitionedIngest(IngestOptions options, IIngestHandler handler, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.StartTopic);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.EndTopic);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Replicas);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Ordinal);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(options.Ordinal, options.Replicas);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CommitInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxHeldOffsets);
        if (string.Equals(options.StartTopic, options.EndTopic, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The start and end topics must differ (both are '{options.StartTopic}').", nameof(options));
        }

        _options = options;
        _handler = handler;
        _time = time ?? TimeProvider.System;
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            FetchQueueBackoffMs = options.FetchQueueBackoffMs,
            QueuedMaxMessagesKbytes = options.QueuedMaxMessagesKbytes,
            MaxPartitionFetchBytes = options.MaxPartitionFetchBytes,

            // The range assignor assigns each topic separately: it sorts the partitions and the member ids and gives
            // member i the same contiguous block of partition numbers for every topic with the same partition count
            // (and every member subscribes to both topics). So partition p of both topics lands on one member, which
            // is what the join needs. Round-robin and sticky assignors balance across topics and break this.
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            GroupInstanceId = options.Ownership == IngestOwnership.Group ? options.GroupInstanceId : null,
        };
        foreach (var (key, value) in options.Settings)
        {
            config.Set(key, value);
        }

        // Non-fatal client errors (a broker down, a request failing) are retried by the client itself: they are counted
        // and kept for the handler to report, never silent. Fatal ones end the consume loop.
        var builder = new ConsumerBuilder<int, int>(config).SetKeyDeserializer(_key).SetValueDeserializer(_payload)
            .SetErrorHandler((_, error) =>
            {
                if (!error.IsFatal)
                {
                    OnClientError(error);
                }
            });
        if (options.Ownership == IngestOwnership.Group)
        {
            builder.SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
                .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions, commit: true))
                .SetPartitionsLostHandler((_, partitions) => OnRevoked(partitions, commit: false));
        }

        _consumer = builder.Build();
    }

    /// <summary>Completes when the consume thread ends: normally after <see cref="Stop"/>, faulted on a fatal error or a handler throw.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Messages handed to the handler so far.</summary>
    public long ConsumedCount => Volatile.Read(ref _consumedCount);

    /// <summary>Whether the partitions are paused because downstream is behind.</summary>
    public bool IsPaused => _paused;

    /// <summary>How many times the ingest paused.</summary>
    public long Pauses => Volatile.Read(ref _pauses);

    /// <summary>Commits the broker refused (e.g. during a rebalance); the next one covers them, a restart re-reads the tail.</summary>
    public long FailedCommits => Volatile.Read(ref _failedCommits);

    /// <summary>Non-fatal errors the client reported (consume errors and client error events), each retried by the client.</summary>
    public long ClientErrors => Interlocked.Read(ref _clientErrors);

    /// <summary>The last non-fatal client error (null while none): its code and reason, for logs and health.</summary>
    public Error? LastClientError => Volatile.Read(ref _lastClientError);

    /// <summary>Lag per assigned partition, from the client's cached watermarks, refreshed at every commit interval.</summary>
    public IReadOnlyList<PartitionLag> Lag => Volatile.Read(ref _lag);

    /// <summary>
    /// Whether every assigned partition of both topics was read to its end at the last lag measurement (a partition not
    /// fetched yet counts as behind).
    /// </summary>
    public bool IsCaughtUp
    {
        get
        {
            var lag = Lag;
            return lag.Count > 0 && lag.Count == Volatile.Read(ref _assignedCount) && lag.All(l => l.Messages == 0);
        }
    }

    /// <summary>The partitions currently read.</summary>
    public IngestAssignment Assignment => Volatile.Read(ref _assignment);

    /// <summary>Offsets held in the ledger (consumed and not yet below a safe restart point).</summary>
    public long HeldOffsets
    {
        get
        {
            lock (_gate)
            {
                return _ledger.Held;
            }
        }
    }

    /// <summary>
    /// Checks that both topics have the same partition count, then starts the consume thread (static assignment or subscribe).
    /// </summary>
    /// <exception cref="InvalidOperationException">A topic is missing, or the two are not co-partitioned.</exception>
    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("The ingest was already started.");
        }

        var partitions = CheckCoPartitioned();
        _thread = new Thread(() => Run(partitions)) { IsBackground = true, Name = "calljoin-ingest" };
        _thread.Start();
    }

    /// <summary>
    /// Holds offsets consumed before this ingest started (the halves a restored state still waits on), so that no commit
    /// passes them until they are reported durable. Call before <see cref="Start"/>, with each partition's offsets in
    /// increasing order and below where its reading resumes.
    /// </summary>
    public void Hold(IEnumerable<(CallSide Side, SourcePosition Position)> halves)
    {
        ArgumentNullException.ThrowIfNull(halves);
        if (_thread is not null)
        {
            throw new InvalidOperationException("Offsets are held before the ingest starts.");
        }

        lock (_gate)
        {
            foreach (var (side, position) in halves.OrderBy(h => h.Side).ThenBy(h => h.Position.Partition).ThenBy(h => h.Position.Offset))
            {
                _ledger.Consumed(side, position.Partition, position.Offset);
            }
        }
    }

    /// <summary>Reports that a consumed half's effect is durable (its row or error acknowledged, or nothing to write).</summary>
    public void Durable(CallSide side, SourcePosition position)
    {
        lock (_gate)
        {
            _ledger.Durable(side, position.Partition, position.Offset);
        }
    }

    /// <summary>Reports a batch of durable halves of one side under one lock.</summary>
    public void Durable(CallSide side, ReadOnlySpan<SourcePosition> positions)
    {
        lock (_gate)
        {
            foreach (var position in positions)
            {
                _ledger.Durable(side, position.Partition, position.Offset);
            }
        }
    }

    /// <summary>
    /// Stops consuming, asks the handler to make all assigned partitions durable, commits the safe offsets, closes the
    /// consumer (leaving the group), and waits for the consume thread to end.
    /// </summary>
    public void Stop()
    {
        _stopping = true;
        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
    }

    public void Dispose()
    {
        if (_thread is null)
        {
            _consumer.Dispose();
            return;
        }

        Stop();
    }

    private int CheckCoPartitioned()
    {
        using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        var starts = PartitionCount(admin, _options.StartTopic);
        var ends = PartitionCount(admin, _options.EndTopic);
        if (starts != ends)
        {
            throw new InvalidOperationException(
                $"{_options.StartTopic} has {starts} partitions but {_options.EndTopic} has {ends}; they must be co-partitioned.");
        }

        return starts;
    }

    private static int PartitionCount(IAdminClient admin, string topic)
    {
        var metadata = admin.GetMetadata(topic, MetadataTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
        if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            throw new InvalidOperationException($"Cannot read topic {topic}: {metadata?.Error.Reason ?? "not in the metadata"}.");
        }

        return metadata.Partitions.Count;
    }

    private void Run(int partitions)
    {
        try
        {
            if (_options.Ownership == IngestOwnership.Static)
            {
                var owned = Enumerable.Range(0, partitions).Where(p => p % _options.Replicas == _options.Ordinal)
                    .SelectMany(p => new[] { new TopicPartition(_options.StartTopic, p), new TopicPartition(_options.EndTopic, p) })
                    .ToList();
                // From the given positions (a checkpoint's), else the committed offsets under the group id, else the earliest.
                _consumer.Assign(owned.Select(tp => new TopicPartitionOffset(tp, StartPosition(tp))));
                SetAssignment(owned);
            }
            else
            {
                _consumer.Subscribe([_options.StartTopic, _options.EndTopic]);
            }

            var nextCommit = _time.GetTimestamp() + (long)(_options.CommitInterval.TotalSeconds * _time.TimestampFrequency);
            while (!_stopping)
            {
                ControlFlow();
                ConsumeOne();
                var now = _time.GetTimestamp();
                if (now >= nextCommit)
                {
                    Commit(_assigned);
                    MeasureLag();
                    nextCommit = now + (long)(_options.CommitInterval.TotalSeconds * _time.TimestampFrequency);
                }
            }

            if (_assigned.Count > 0)
            {
                _handler.OnPartitionsRevoked(PartitionNumbers(_assigned));
                Commit(_assigned);
            }

            _closing = true;
            _consumer.Close();
            _completion.TrySetResult();
        }
#pragma warning disable CA1031 // Anything that ends the loop is reported through Completion.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _completion.TrySetException(ex);
        }
        finally
        {
            _consumer.Dispose();
        }
    }

    private void ConsumeOne()
    {
        ConsumeResult<int, int>? result;
        try
        {
            result = _consumer.Consume(_options.PollTimeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            OnClientError(ex.Error);   // already retried by the client; the partition continues
            return;
        }

        if (result is null || result.IsPartitionEOF)
        {
            _handler.OnIdle();
            return;
        }

        var side = string.Equals(result.Topic, _options.StartTopic, StringComparison.Ordinal) ? CallSide.Start : CallSide.End;
        var partition = result.Partition.Value;
        var offset = result.Offset.Value;
        lock (_gate)
        {
            _ledger.Consumed(side, partition, offset);
        }

        var message = result.Message;
        _handler.OnMessage(side, partition, offset, message.Timestamp.UnixTimestampMs, _key.Span(message.Key), _payload.Span(message.Value));
        Volatile.Write(ref _consumedCount, _consumedCount + 1);
    }

    private void OnClientError(Error error)
    {
        Volatile.Write(ref _lastClientError, error);
        Interlocked.Increment(ref _clientErrors);
    }

    /// <summary>
    /// Reads the lag from librdkafka's cached watermarks and positions (no broker round trip, except once per assigned
    /// partition that has given no message yet: its committed offset, where reading starts).
    /// </summary>
    private void MeasureLag()
    {
        var lag = new List<PartitionLag>(_assigned.Count);
        foreach (var tp in _assigned)
        {
            var offsets = _consumer.GetWatermarkOffsets(tp);
            if (offsets.High == Offset.Unset)
            {
                continue;   // not fetched yet
            }

            var position = _consumer.Position(tp);
            var next = position != Offset.Unset ? position.Value : StartOffset(tp, offsets.Low);
            if (next >= 0)
            {
                lag.Add(new PartitionLag(SideOf(tp.Topic), tp.Topic, tp.Partition.Value, Math.Max(0, offsets.High.Value - next)));
            }
        }

        Volatile.Write(ref _lag, lag);
        Volatile.Write(ref _assignedCount, _assigned.Count);
    }

    private Offset StartPosition(TopicPartition tp)
    {
        var side = SideOf(tp.Topic);
        foreach (var p in _options.StartPositions)
        {
            if (p.Side == side && p.Partition == tp.Partition.Value)
            {
                return new Offset(p.NextOffset);
            }
        }

        return Offset.Unset;
    }

    /// <summary>Where reading a partition began: its committed offset, or the low watermark when none (earliest reset).</summary>
    private long StartOffset(TopicPartition tp, Offset low)
    {
        if (_startOffsets.TryGetValue(tp, out var start))
        {
            return start;
        }

        try
        {
            var committed = _consumer.Committed([tp], TimeSpan.FromSeconds(5)).Single().Offset;
            start = committed != Offset.Unset ? committed.Value : low.Value;
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            return -1;   // try again at the next measurement
        }

        _startOffsets[tp] = start;
        return start;
    }

    /// <summary>Pauses all assigned partitions while downstream is behind and resumes them when it has drained.</summary>
    private void ControlFlow()
    {
        if (_assigned.Count == 0)
        {
            return;
        }

        if (!_paused)
        {
            if (_handler.IsBehind || HeldOffsets > _options.MaxHeldOffsets)
            {
                _consumer.Pause(_assigned);
                _paused = true;
                _assignmentChanged = false;
                Volatile.Write(ref _pauses, _pauses + 1);
            }

            return;
        }

        if (_assignmentChanged)
        {
            _consumer.Pause(_assigned);   // a rebalance while paused assigned partitions that are not paused yet
            _assignmentChanged = false;
        }

        if (!_handler.IsBehind && HeldOffsets <= _options.MaxHeldOffsets / 2)
        {
            _consumer.Resume(_assigned);
            _paused = false;
        }
    }

    private void Commit(List<TopicPartition> partitions)
    {
        _commitBatch.Clear();
        lock (_gate)
        {
            foreach (var tp in partitions)
            {
                var side = SideOf(tp.Topic);
                if (_ledger.TryGetCommitOffset(side, tp.Partition.Value, out var offset)
                    && (!_committed.TryGetValue((side, tp.Partition.Value), out var last) || last != offset))
                {
                    _commitBatch.Add(new TopicPartitionOffset(tp, offset));
                }
            }
        }

        if (_commitBatch.Count == 0)
        {
            return;
        }

        try
        {
            _consumer.Commit(_commitBatch);
            foreach (var tpo in _commitBatch)
            {
                _committed[(SideOf(tpo.Topic), tpo.Partition.Value)] = tpo.Offset.Value;
            }
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            // Refused (a rebalance, a coordinator move): the next commit covers it; a restart re-reads a little more.
            Volatile.Write(ref _failedCommits, _failedCommits + 1);
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        SetAssignment(partitions);
        _assignmentChanged = true;
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions, bool commit)
    {
        var revoked = partitions.Select(p => p.TopicPartition).ToList();
        if (!_closing && revoked.Count > 0)
        {
            _handler.OnPartitionsRevoked(PartitionNumbers(revoked));
            if (commit)
            {
                Commit(revoked);
            }
        }

        lock (_gate)
        {
            foreach (var tp in revoked)
            {
                _ledger.Forget(SideOf(tp.Topic), tp.Partition.Value);
                _committed.Remove((SideOf(tp.Topic), tp.Partition.Value));
            }
        }

        SetAssignment([.. _assigned.Except(revoked)]);
    }

    private void SetAssignment(List<TopicPartition> partitions)
    {
        _assigned = partitions;
        _startOffsets.Clear();
        var starts = partitions.Where(p => SideOf(p.Topic) == CallSide.Start).Select(p => p.Partition.Value).Order().ToArray();
        var ends = partitions.Where(p => SideOf(p.Topic) == CallSide.End).Select(p => p.Partition.Value).Order().ToArray();
        Volatile.Write(ref _assignment, new IngestAssignment(starts, ends));
    }

    private CallSide SideOf(string topic) =>
        string.Equals(topic, _options.StartTopic, StringComparison.Ordinal) ? CallSide.Start : CallSide.End;

    private static int[] PartitionNumbers(List<TopicPartition> partitions) =>
        [.. partitions.Select(p => p.Partition.Value).Distinct().Order()];
}
