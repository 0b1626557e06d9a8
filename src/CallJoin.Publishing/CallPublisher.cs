using CallJoin.Core.Halves;
using Confluent.Kafka;

namespace CallJoin.Publishing;

/// <summary>
/// Publishes call starts and ends as the upstream insert JSON, keyed by call id, with the idempotent producer. A bounded
/// number of messages is in flight; past it, publishing waits for acknowledgements instead of dropping (upstream drops).
/// </summary>
/// <remarks>
/// Thread-safe. Failed deliveries (after the client's own retries within <see cref="PublisherOptions.DeliveryTimeout"/>)
/// are counted and reported by <see cref="FlushAsync"/>, never silently lost.
/// </remarks>
public sealed class CallPublisher : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly PublisherOptions _options;
    private readonly SemaphoreSlim _inFlight;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivered;
    private long _acknowledged;
    private long _failed;
    private string? _lastError;

    public CallPublisher(PublisherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxInFlight);
        _options = options;
        _inFlight = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        _onDelivered = OnDelivered;
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,
            // The client's own queue must hold everything we allow in flight, so it never refuses with QueueFull.
            QueueBufferingMaxMessages = Math.Max(options.MaxInFlight, 1000),
        };
        foreach (var (key, value) in options.Settings)
        {
            config.Set(key, value);
        }

        _producer = new ProducerBuilder<byte[], byte[]>(config).Build();
    }

    /// <summary>Messages acknowledged by the brokers.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Messages the client gave up on.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Messages handed over and not yet acknowledged or failed.</summary>
    public int InFlight => _options.MaxInFlight - _inFlight.CurrentCount;

    /// <summary>Publishes a start (waits while <see cref="PublisherOptions.MaxInFlight"/> messages are unacknowledged).</summary>
    public ValueTask PublishStartAsync(byte[] callId, byte[] json, CancellationToken ct = default) =>
        PublishAsync(_options.StartTopic, callId, json, Timestamp.Default, ct);

    /// <summary>Publishes an end (waits while <see cref="PublisherOptions.MaxInFlight"/> messages are unacknowledged).</summary>
    public ValueTask PublishEndAsync(byte[] callId, byte[] json, CancellationToken ct = default) =>
        PublishAsync(_options.EndTopic, callId, json, Timestamp.Default, ct);

    /// <summary>Publishes a start with its record timestamp (CreateTime, ms since the Unix epoch) instead of the send time.</summary>
    /// <remarks>The join's stream time is made of record timestamps, so this is how a replayed or generated workload sets it.</remarks>
    public ValueTask PublishStartAsync(byte[] callId, byte[] json, long timestampMillis, CancellationToken ct = default) =>
        PublishAsync(_options.StartTopic, callId, json, new Timestamp(timestampMillis, TimestampType.CreateTime), ct);

    /// <summary>Publishes an end with its record timestamp (CreateTime, ms since the Unix epoch) instead of the send time.</summary>
    public ValueTask PublishEndAsync(byte[] callId, byte[] json, long timestampMillis, CancellationToken ct = default) =>
        PublishAsync(_options.EndTopic, callId, json, new Timestamp(timestampMillis, TimestampType.CreateTime), ct);

    /// <summary>Publishes a half to its side's topic with its record timestamp (ms since the Unix epoch).</summary>
    public ValueTask PublishAsync(CallSide side, byte[] callId, byte[] json, long timestampMillis, CancellationToken ct = default) =>
        side == CallSide.Start ? PublishStartAsync(callId, json, timestampMillis, ct) : PublishEndAsync(callId, json, timestampMillis, ct);

    /// <summary>Waits until everything published so far is acknowledged or failed.</summary>
    /// <exception cref="KafkaException">Some messages could not be delivered (with the last error).</exception>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        while (InFlight > 0)
        {
            ct.ThrowIfCancellationRequested();
            await Task.Run(() => _producer.Flush(TimeSpan.FromMilliseconds(200)), ct).ConfigureAwait(false);
        }

        if (Failed > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_MsgTimedOut, $"{Failed} message(s) could not be delivered; last error: {_lastError}"));
        }
    }

    public void Dispose()
    {
        _producer.Dispose();
        _inFlight.Dispose();
    }

    private async ValueTask PublishAsync(string topic, byte[] callId, byte[] json, Timestamp timestamp, CancellationToken ct)
    {
        if (!_inFlight.Wait(0, CancellationToken.None))
        {
            await _inFlight.WaitAsync(ct).ConfigureAwait(false);
        }

        try
        {
            _producer.Produce(topic, new Message<byte[], byte[]> { Key = callId, Value = json, Timestamp = timestamp }, _onDelivered);
        }
        catch
        {
            _inFlight.Release();
            throw;
        }
    }

    private void OnDelivered(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            _lastError = report.Error.ToString();
        }
        else
        {
            Interlocked.Increment(ref _acknowledged);
        }

        _inFlight.Release();
    }
}
