using CallJoin.Core;

namespace CallJoin.Recording;

/// <summary>Which topic ranges <see cref="TopicRecorder"/> writes into a dump, and how it reaches Kafka.</summary>
/// <remarks>
/// The range of each partition is [start, end): the start is <see cref="FromOffset"/>, or the first record whose timestamp
/// is at or after <see cref="FromTime"/>, or the earliest offset; the end is <see cref="ToOffset"/>, or the first record
/// whose timestamp is at or after <see cref="ToTime"/>, or the high watermark when recording starts. Both are clamped to
/// the partition's offsets at that moment, so a recording always terminates. Times cut by position, as the broker's
/// offsets-for-times lookup and <c>kcat -o s@T -o e@T</c> do: with producer timestamps out of order, a record inside the
/// range can have a timestamp outside it. The lookup finds where to start reading; the cuts are also applied to each record
/// read, so a broker that cannot answer the lookup (librdkafka's mock cluster answers "no such record" to every time)
/// gives the same dump, read from the partition's earliest offset.
/// </remarks>
public sealed record RecordingOptions
{
    /// <summary>The Kafka bootstrap list (the CLI takes it from <c>KafkaEndpoint.FromEnvironment</c> in CallJoin.Kafka).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topics to record, in tie-break order (records with equal timestamps come in topic, then partition order).</summary>
    public IReadOnlyList<string> Topics { get; init; } = [WeaveTopics.CallStarted, WeaveTopics.CallEnded];

    /// <summary>The partitions to record in every topic, or null for all.</summary>
    public IReadOnlyList<int>? Partitions { get; init; }

    /// <summary>Start at this offset in every partition (or at the earliest one still held, if later).</summary>
    public long? FromOffset { get; init; }

    /// <summary>Start at the first record at or after this time.</summary>
    public DateTimeOffset? FromTime { get; init; }

    /// <summary>End before this offset (exclusive).</summary>
    public long? ToOffset { get; init; }

    /// <summary>End before the first record at or after this time (exclusive).</summary>
    public DateTimeOffset? ToTime { get; init; }

    /// <summary>Where the per-partition segment files go while recording (default: next to the output file). Needs room for the plain-text size of the dump.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>The longest a metadata, watermark or offsets-for-times request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Further librdkafka consumer settings (SASL, TLS, fetch sizes), applied last.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Checks the options are consistent.</summary>
    /// <exception cref="ArgumentException">A required value is missing, or both an offset and a time bound one end.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BootstrapServers);
        if (Topics is null || Topics.Count == 0 || Topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one topic is needed, and topic names must not be blank.", nameof(Topics));
        }

        if (Topics.Distinct(StringComparer.Ordinal).Count() != Topics.Count)
        {
            throw new ArgumentException($"A topic is listed twice: {string.Join(", ", Topics)}.", nameof(Topics));
        }

        if (Partitions is not null && (Partitions.Count == 0 || Partitions.Any(p => p < 0)))
        {
            throw new ArgumentException("Partitions must be a non-empty list of numbers from 0.", nameof(Partitions));
        }

        if (FromOffset is not null && FromTime is not null)
        {
            throw new ArgumentException("Give a start offset or a start time, not both.", nameof(FromTime));
        }

        if (ToOffset is not null && ToTime is not null)
        {
            throw new ArgumentException("Give an end offset or an end time, not both.", nameof(ToTime));
        }

        if (FromOffset < 0 || ToOffset < 0)
        {
            throw new ArgumentException("Offsets must not be negative.", nameof(FromOffset));
        }

        if (FromOffset is { } from && ToOffset is { } to && to < from)
        {
            throw new ArgumentException($"The end offset {to} is before the start offset {from}.", nameof(ToOffset));
        }

        if (FromTime is { } start && ToTime is { } end && end < start)
        {
            throw new ArgumentException($"The end time {end:O} is before the start time {start:O}.", nameof(ToTime));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero);
    }
}
