using CallJoin.ClickHouse.Schema;
using CallJoin.Core;
using CallJoin.Core.Halves;

namespace CallJoin.ClickHouse.Sink;

/// <summary>How the <see cref="ClickHouseSink"/> batches, sends, retries and bounds its memory.</summary>
/// <remarks>Immutable; <see cref="Validate"/> is called by the sink's constructor.</remarks>
public sealed record SinkOptions
{
    /// <summary>
    /// ClickHouse error codes that mean the data itself is bad, so retrying the same bytes cannot succeed: the batch
    /// is bisected and the rows still rejected alone go to the error table. Anything else is retried with backoff.
    /// </summary>
    public static IReadOnlySet<int> DefaultPermanentErrorCodes { get; } = new HashSet<int>
    {
        6,   // CANNOT_PARSE_TEXT
        26,  // CANNOT_PARSE_QUOTED_STRING
        27,  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
        33,  // CANNOT_READ_ALL_DATA (truncated RowBinary)
        38,  // CANNOT_PARSE_DATE
        41,  // CANNOT_PARSE_DATETIME
        53,  // TYPE_MISMATCH
        69,  // ARGUMENT_OUT_OF_BOUND
        70,  // CANNOT_CONVERT_TYPE
        72,  // CANNOT_PARSE_NUMBER
        117, // INCORRECT_DATA
        131, // TOO_LARGE_STRING_SIZE
        469, // VIOLATED_CONSTRAINT
    };

    /// <summary>A batch is sealed at this many rows (calls and error records together).</summary>
    public int MaxBatchRows { get; init; } = 50_000;

    /// <summary>A batch is sealed once its RowBinary reaches this many bytes.</summary>
    public int MaxBatchBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// A row whose text columns exceed this many bytes goes to the error table as <c>oversize_row</c> instead of
    /// calls_complete (upstream caps a request at 32 MiB; the engine already applied upstream's 3.5 MiB dump rule,
    /// which does not cover otel_dump, exception or display_name).
    /// </summary>
    public int MaxRowBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>A non-empty batch is sealed at the latest this long after the previous time-based seal.</summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many batches are inserted at once.</summary>
    public int MaxParallelInserts { get; init; } = 2;

    /// <summary>Above this many bytes of unacknowledged batches, <see cref="ClickHouseSink.WaitForCapacityAsync"/> waits.</summary>
    public long MaxBufferedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The first retry's nominal delay; doubled per attempt up to <see cref="RetryMaxDelay"/>, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether request bodies are gzip-compressed.</summary>
    public bool Gzip { get; init; } = true;

    /// <summary>The table joined rows go to (qualify with the database if the client's default is another).</summary>
    public string CallsTable { get; init; } = CallsCompleteTable.Name;

    /// <summary>The table error records go to.</summary>
    public string ErrorsTable { get; init; } = ErrorRecordEncoder.TableName;

    /// <summary>The <c>topic</c> error records give for starts: the topic the starts are read from.</summary>
    public string StartTopic { get; init; } = WeaveTopics.CallStarted;

    /// <summary>The <c>topic</c> error records give for ends: the topic the ends are read from.</summary>
    public string EndTopic { get; init; } = WeaveTopics.CallEnded;

    /// <summary>The topic a half of <paramref name="side"/> was read from.</summary>
    public string Topic(CallSide side) => side == CallSide.End ? EndTopic : StartTopic;

    /// <summary>Starts every <c>insert_deduplication_token</c>; make it unique per writer if several share a table.</summary>
    public string DeduplicationTokenPrefix { get; init; } = "calljoin";

    /// <summary>See <see cref="DefaultPermanentErrorCodes"/>.</summary>
    public IReadOnlySet<int> PermanentErrorCodes { get; init; } = DefaultPermanentErrorCodes;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRowBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxBatchDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxParallelInserts);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedBytes, MaxBatchBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryBaseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryMaxDelay, RetryBaseDelay);
        ArgumentException.ThrowIfNullOrWhiteSpace(CallsTable);
        ArgumentException.ThrowIfNullOrWhiteSpace(ErrorsTable);
        ArgumentException.ThrowIfNullOrWhiteSpace(StartTopic);
        ArgumentException.ThrowIfNullOrWhiteSpace(EndTopic);
        ArgumentNullException.ThrowIfNull(DeduplicationTokenPrefix);
        ArgumentNullException.ThrowIfNull(PermanentErrorCodes);
    }
}
