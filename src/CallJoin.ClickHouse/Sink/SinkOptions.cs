using CallJoin.ClickHouse.Schema;
using CallJoin.Core;
using CallJoin.Core.Halves;

namespace CallJoin.ClickHouse.Sink;

/// <summary>How the <see cref="ClickHouseSink"/> batches, sends, retries and bounds its memory.</summary>
/// <remarks>Immutable; <see cref="Validate"/> is called by the sink's constructor.</remarks>
public sealed record SinkOptions
{
    /// <summary>
    /// ClickHouse error codes worth retrying unchanged: the server is overloaded, out of memory or disk, read-only for a
    /// while, or its replicas and keeper are unreachable. Inserts failing with them are retried with backoff forever
    /// (the outage case), logged and counted. Every code in neither this set nor <see cref="DefaultFatalErrorCodes"/>
    /// means ClickHouse refused these rows: the batch is bisected down to the refused rows.
    /// </summary>
    public static IReadOnlySet<int> DefaultTransientErrorCodes { get; } = new HashSet<int>
    {
        3,   // UNEXPECTED_END_OF_FILE (the request body was cut off in transit)
        32,  // ATTEMPT_TO_READ_AFTER_EOF (idem)
        159, // TIMEOUT_EXCEEDED
        201, // QUOTA_EXCEEDED
        202, // TOO_MANY_SIMULTANEOUS_QUERIES
        203, // NO_FREE_CONNECTION
        209, // SOCKET_TIMEOUT
        210, // NETWORK_ERROR
        225, // NO_ZOOKEEPER
        236, // ABORTED
        241, // MEMORY_LIMIT_EXCEEDED
        242, // TABLE_IS_READ_ONLY
        243, // NOT_ENOUGH_SPACE
        252, // TOO_MANY_PARTS (merges behind; not "too many partitions for single INSERT block", which is refused)
        279, // ALL_CONNECTION_TRIES_FAILED
        285, // TOO_FEW_LIVE_REPLICAS
        286, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
        319, // UNKNOWN_STATUS_OF_INSERT
        394, // QUERY_WAS_CANCELLED
        425, // SYSTEM_ERROR
        439, // CANNOT_SCHEDULE_TASK
        473, // DEADLOCK_AVOIDED
        999, // KEEPER_EXCEPTION
        1000, // POCO_EXCEPTION (mostly network)
    };

    /// <summary>
    /// ClickHouse error codes that say the insert itself can never work, whatever its rows: a wrong database, table,
    /// column, setting, user or grant. Bisecting would move every row to the error table, which fails the same way, so
    /// the sink stops instead (<see cref="ClickHouseSink.Completion"/>) and the service exits with code 1.
    /// </summary>
    public static IReadOnlySet<int> DefaultFatalErrorCodes { get; } = new HashSet<int>
    {
        8,   // THERE_IS_NO_COLUMN
        10,  // NOT_FOUND_COLUMN_IN_BLOCK
        16,  // NO_SUCH_COLUMN_IN_TABLE
        47,  // UNKNOWN_IDENTIFIER
        48,  // NOT_IMPLEMENTED
        60,  // UNKNOWN_TABLE
        62,  // SYNTAX_ERROR
        73,  // UNKNOWN_FORMAT
        81,  // UNKNOWN_DATABASE
        115, // UNKNOWN_SETTING
        164, // READONLY (the user may not write)
        192, // UNKNOWN_USER
        193, // WRONG_PASSWORD
        194, // REQUIRED_PASSWORD
        452, // SETTING_CONSTRAINT_VIOLATION
        497, // ACCESS_DENIED
        516, // AUTHENTICATION_FAILED
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

    /// <summary>
    /// Build, encode and batch every row as usual, then acknowledge each insert without sending it (a null sink, for
    /// measuring the service without ClickHouse's cost). Nothing reaches ClickHouse; never set in production.
    /// </summary>
    public bool Discard { get; init; }

    /// <summary>The database of both tables; null: the client's default database. Quoted in SQL, so any name works.</summary>
    public string? Database { get; init; }

    /// <summary>The table joined rows go to, in <see cref="Database"/> (a plain name: it is quoted).</summary>
    public string CallsTable { get; init; } = CallsCompleteTable.Name;

    /// <summary>The table error records go to, in <see cref="Database"/>.</summary>
    public string ErrorsTable { get; init; } = ErrorRecordEncoder.TableName;

    /// <summary>The <c>topic</c> error records give for starts: the topic the starts are read from.</summary>
    public string StartTopic { get; init; } = WeaveTopics.CallStarted;

    /// <summary>The <c>topic</c> error records give for ends: the topic the ends are read from.</summary>
    public string EndTopic { get; init; } = WeaveTopics.CallEnded;

    /// <summary>The topic a half of <paramref name="side"/> was read from.</summary>
    public string Topic(CallSide side) => side == CallSide.End ? EndTopic : StartTopic;

    /// <summary>
    /// At most this many months (partitions of both tables) in one INSERT: a batch spanning more is sent as several,
    /// grouped by month. ClickHouse refuses an insert into more than <c>max_partitions_per_insert_block</c> (default
    /// 100) partitions; set this to that setting's value if the server's is lower.
    /// </summary>
    public int MaxPartitionsPerInsert { get; init; } = 100;

    /// <summary>While inserts keep failing transiently, a warning is logged at most this often.</summary>
    public TimeSpan FailureLogInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Starts every <c>insert_deduplication_token</c>; make it unique per writer if several share a table.</summary>
    public string DeduplicationTokenPrefix { get; init; } = "calljoin";

    /// <summary>
    /// The <c>source</c> enum value of every calls_complete row (<see cref="CallsCompleteTable.SourceType"/>):
    /// <see cref="CallsCompleteTable.CallJoinSource"/> for the join, <see cref="CallsCompleteTable.MigrationSource"/>
    /// for the backfill.
    /// </summary>
    public sbyte Source { get; init; } = CallsCompleteTable.CallJoinSource;

    /// <summary>See <see cref="DefaultTransientErrorCodes"/>.</summary>
    public IReadOnlySet<int> TransientErrorCodes { get; init; } = DefaultTransientErrorCodes;

    /// <summary>See <see cref="DefaultFatalErrorCodes"/>.</summary>
    public IReadOnlySet<int> FatalErrorCodes { get; init; } = DefaultFatalErrorCodes;

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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxPartitionsPerInsert);
        ArgumentOutOfRangeException.ThrowIfLessThan(Source, (sbyte)1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Source, CallsCompleteTable.CallJoinSource);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FailureLogInterval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(TransientErrorCodes);
        ArgumentNullException.ThrowIfNull(FatalErrorCodes);
        if (Database is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(Database);
        }
    }
}
