namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// <c>calljoin_errors</c>: one row per Kafka record (or half) CallJoin could not turn into a <c>calls_complete</c> row,
/// with the raw payload and its Kafka coordinates so an operator can inspect or replay it.
/// </summary>
/// <remarks>
/// <c>ReplacingMergeTree(created_at)</c> sorted by <c>(topic, partition, offset, reason)</c>: a redelivered record that
/// fails the same way again collapses into one row (at merge time or under <c>FINAL</c>), keeping the newest report.
/// Partitioned by the record's own timestamp (<c>first_seen</c>), which a redelivery repeats, so both copies land in
/// the same partition and can collapse. Rows expire <see cref="RetentionDays"/> days after they were written
/// (<c>created_at</c>), so errors found while replaying old data are kept as long as fresh ones.
/// </remarks>
public static class CallJoinErrorsTable
{
    public const string Name = "calljoin_errors";

    /// <summary>How long an error row is kept after it was written.</summary>
    public const int RetentionDays = 30;

    /// <summary>Every column in table order; <c>call_id</c> and <c>project_id</c> are <c>''</c> when unknown.</summary>
    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("reason", "String"),
        new("payload", "String"),
        new("topic", "String"),
        new("partition", "Int32"),
        new("offset", "Int64"),
        new("project_id", "String", "''"),
        new("call_id", "String", "''"),
        new("first_seen", "DateTime64(3)"),
        new("created_at", "DateTime64(3)", "now64(3)"),
    ];

    /// <summary>
    /// Skip indexes (name, expression, type, granularity): the sort key is Kafka coordinates, so finding a call's
    /// <c>start_missing</c> record by its id needs a bloom filter on <c>call_id</c>.
    /// </summary>
    public static IReadOnlyList<(string Name, string Expression, string Type, int Granularity)> SkipIndexes { get; } =
    [
        (CallIdIndex, "call_id", "bloom_filter(0.01)", 1),
    ];

    /// <summary>The name of the bloom filter index on <c>call_id</c>.</summary>
    public const string CallIdIndex = "idx_call_id";

    public const string Engine = "ReplacingMergeTree(created_at)";
    public const string PartitionBy = "toYYYYMM(first_seen)";
    public const string OrderBy = "(topic, partition, offset, reason)";

    /// <summary>The TTL expression: <see cref="RetentionDays"/> days after the row was written.</summary>
    public static string Ttl { get; } = $"toDateTime(created_at) + toIntervalDay({RetentionDays}) DELETE";

    /// <summary>The CREATE statement for <paramref name="database"/> (already quoted).</summary>
    public static string CreateStatement(string database) =>
        TableDdl.Create(database, Name, Columns, SkipIndexes, Engine, OrderBy, PartitionBy, Ttl);
}
