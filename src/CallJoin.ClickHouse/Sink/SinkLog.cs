using Microsoft.Extensions.Logging;

namespace CallJoin.ClickHouse.Sink;

/// <summary>The sink's log messages: event ids and templates are a stable contract for log queries.</summary>
/// <remarks>Nothing here is logged per row: failures are rate-limited, refusals summed per batch.</remarks>
internal static partial class SinkLog
{
    [LoggerMessage(101, LogLevel.Warning, "ClickHouse insert into {Table} failing (attempt {Attempt}, {Retries} retries so far), retrying in {Delay}: {Reason}")]
    public static partial void InsertFailing(ILogger log, string table, int attempt, long retries, TimeSpan delay, string reason);

    [LoggerMessage(102, LogLevel.Information, "ClickHouse insert into {Table} succeeded after {Failures} failed attempts")]
    public static partial void InsertRecovered(ILogger log, string table, int failures);

    [LoggerMessage(103, LogLevel.Warning, "ClickHouse refused {Rows} rows of batch {Batch}; they are in the error table as rejected_by_clickhouse: {Reason}")]
    public static partial void RowsRefused(ILogger log, int rows, long batch, string reason);

    [LoggerMessage(104, LogLevel.Error, "ClickHouse refused {Records} error records of batch {Batch}; they are dropped: {Reason}")]
    public static partial void ErrorRecordsDropped(ILogger log, int records, long batch, string reason);

    [LoggerMessage(105, LogLevel.Critical, "ClickHouse sink stopped on a failure retrying cannot fix, inserting into {Table}")]
    public static partial void Faulted(ILogger log, string table, Exception error);
}
