using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>
/// Reads the starts and ends topics so that partition p of both is always read by the same instance, hands every message
/// to an <see cref="IIngestHandler"/>, and commits per partition only the safe restart point (<see cref="IngestCommits"/>).
/// </summary>
/// <remarks>
/// <para>
/// One Confluent.Kafka consumer, used only by its own consume thread (<see cref="Start"/> to <see cref="Stop"/>), which
/// also runs every handler call, the commits (<see cref="IngestCommits"/>), the lag measurement (<see cref="LagMeter"/>)
/// and flow control (<see cref="FlowControl"/>): the handler is never called from another thread.
/// </para>
/// <para>
/// Commits happen every <see cref="IngestOptions.CommitInterval"/> for the assigned partitions only; in group mode a
/// revoke first lets the handler report what is durable, commits what is then safe and forgets them, so no commit is
/// sent for partitions held across a rebalance (eager range assignment revokes everything first).
/// </para>
/// </remarks>
public sealed class CoPartitionedIngest : IIngestContext, IDisposable
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(30);

    private readonly IngestOptions _options;
    private readonly IngestTopics _topics;
    private readonly IIngestHandler _handler;
    private readonly TimeProvider _time;
    private readonly IngestCommits _commits;
    private readonly LagMeter _lag;
    private readonly FlowControl _flow;
    private readonly MessageBuffer _payload = new();
    private readonly MessageBuffer _key = new(256);
    private readonly IConsumer<MessageLength, MessageLength> _consumer;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<TopicPartition> _assigned = [];
    private IngestAssignment _assignment = IngestAssignment.Empty;
    private Thread? _thread;
    private volatile bool _stopping;
    private bool _closing;
    private long _consumedCount;
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
        _topics = new IngestTopics(options.StartTopic, options.EndTopic);
        _handler = handler;
        _time = time ?? TimeProvider.System;
        _commits = new IngestCommits(_topics);
        _lag = new LagMeter(_topics, StartPosition);
        _flow = new FlowControl(options.MaxHeldOffsets);
        _consumer = BuildConsumer(options);
    }

    /// <summary>Completes when the consume thread ends: normally after <see cref="Stop"/>, faulted on a fatal error or a handler throw.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Messages handed to the handler so far.</summary>
    public long ConsumedCount => Volatile.Read(ref _consumedCount);

    /// <summary>Whether the partitions are paused because downstream is behind.</summary>
    public bool IsPaused => _flow.IsPaused;

    /// <summary>How many times the ingest paused.</summary>
    public long Pauses => _flow.Pauses;

    /// <summary>Commits the broker refused (e.g. during a rebalance); the next one covers them, a restart re-reads the tail.</summary>
    public long FailedCommits => _commits.FailedCommits;

    /// <summary>Non-fatal errors the client reported (consume errors and client error events), each retried by the client.</summary>
    public long ClientErrors => Interlocked.Read(ref _clientErrors);

    /// <summary>The last non-fatal client error (null while none): its code and reason, for logs and health.</summary>
    public Error? LastClientError => Volatile.Read(ref _lastClientError);

    /// <summary>Lag per assigned partition, from the client's cached watermarks, refreshed at every commit interval.</summary>
    public IReadOnlyList<PartitionLag> Lag => _lag.Lag;

    /// <summary>Whether every assigned partition of both topics was read to its end at the last lag measurement.</summary>
    public bool IsCaughtUp => _lag.IsCaughtUp;

    /// <summary>The partitions currently read.</summary>
    public IngestAssignment Assignment => Volatile.Read(ref _assignment);

    /// <summary>Offsets held (consumed and not yet below a safe restart point).</summary>
    public long HeldOffsets => _commits.Held;

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
    /// passes them until they are reported durable. Call before <see cref="Start"/>, with offsets below where each
    /// partition's reading resumes.
    /// </summary>
    public void Hold(IEnumerable<(CallSide Side, SourcePosition Position)> halves)
    {
        ArgumentNullException.ThrowIfNull(halves);
        if (_thread is not null)
        {
            throw new InvalidOperationException("Offsets are held before the ingest starts.");
        }

        foreach (var (side, position) in halves.OrderBy(h => h.Side).ThenBy(h => h.Position.Partition).ThenBy(h => h.Position.Offset))
        {
            _commits.Consumed(side, position.Partition, position.Offset);
        }
    }

    /// <inheritdoc />
    /// <remarks>Consume thread only: from inside a handler call.</remarks>
    public void MarkDurable(CallSide side, ReadOnlySpan<SourcePosition> positions) => _commits.MarkDurable(side, positions);

    /// <summary>
    /// Stops consuming, lets the handler report what is durable for all assigned partitions, commits the safe offsets,
    /// closes the consumer (leaving the group), and waits for the consume thread to end.
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

    private IConsumer<MessageLength, MessageLength> BuildConsumer(IngestOptions options)
    {
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
        var builder = new ConsumerBuilder<MessageLength, MessageLength>(config).SetKeyDeserializer(_key).SetValueDeserializer(_payload)
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

        return builder.Build();
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
                _flow.Update(_consumer, _assigned, _handler.IsBehind, _commits.Held);
                ConsumeOne();
                var now = _time.GetTimestamp();
                if (now >= nextCommit)
                {
                    _commits.Commit(_consumer, _assigned);
                    _lag.Measure(_consumer, _assigned);
                    nextCommit = now + (long)(_options.CommitInterval.TotalSeconds * _time.TimestampFrequency);
                }
            }

            if (_assigned.Count > 0)
            {
                _handler.OnPartitionsRevoked(this, PartitionNumbers(_assigned));
                _commits.Commit(_consumer, _assigned);
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
        ConsumeResult<MessageLength, MessageLength>? result;
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
            _handler.OnIdle(this);
            return;
        }

        var side = _topics.SideOf(result.Topic);
        var partition = result.Partition.Value;
        var offset = result.Offset.Value;
        _commits.Consumed(side, partition, offset);
        var message = result.Message;
        _handler.OnMessage(this, side, partition, offset, message.Timestamp.UnixTimestampMs, _key.Span(message.Key), _payload.Span(message.Value));
        Volatile.Write(ref _consumedCount, _consumedCount + 1);
    }

    private void OnClientError(Error error)
    {
        Volatile.Write(ref _lastClientError, error);
        Interlocked.Increment(ref _clientErrors);
    }

    private Offset StartPosition(TopicPartition tp)
    {
        var side = _topics.SideOf(tp.Topic);
        foreach (var p in _options.StartPositions)
        {
            if (p.Side == side && p.Partition == tp.Partition.Value)
            {
                return new Offset(p.NextOffset);
            }
        }

        return Offset.Unset;
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        SetAssignment(partitions);
        _flow.OnAssigned();
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions, bool commit)
    {
        var revoked = partitions.Select(p => p.TopicPartition).ToList();
        if (!_closing && revoked.Count > 0)
        {
            _handler.OnPartitionsRevoked(this, PartitionNumbers(revoked));
            if (commit)
            {
                _commits.Commit(_consumer, revoked);
            }
        }

        _commits.Forget(revoked);
        SetAssignment([.. _assigned.Except(revoked)]);
    }

    private void SetAssignment(List<TopicPartition> partitions)
    {
        _assigned = partitions;
        _lag.Reset();
        var starts = partitions.Where(p => _topics.SideOf(p.Topic) == CallSide.Start).Select(p => p.Partition.Value).Order().ToArray();
        var ends = partitions.Where(p => _topics.SideOf(p.Topic) == CallSide.End).Select(p => p.Partition.Value).Order().ToArray();
        Volatile.Write(ref _assignment, new IngestAssignment(starts, ends));
    }

    private static int[] PartitionNumbers(List<TopicPartition> partitions) =>
        [.. partitions.Select(p => p.Partition.Value).Distinct().Order()];
}
