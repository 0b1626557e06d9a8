namespace CallJoin.ClickHouse.Schema;

/// <summary>The ordered list of schema versions CallJoin manages. Append only: never edit a released step.</summary>
public static class CallJoinMigrations
{
    /// <summary>
    /// How many recent insert blocks a non-replicated MergeTree remembers by hash or <c>insert_deduplication_token</c>,
    /// so that a retried insert of the same block is dropped instead of stored twice (the server default is 0: off).
    /// </summary>
    public const int DeduplicationWindow = 1000;

    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "calls_complete", db => [CallsCompleteTable.CreateStatement(db)]),
        new(2, "calljoin_errors", db => [CallJoinErrorsTable.CreateStatement(db)]),
        new(3, "backfill_progress", db => [BackfillProgressTable.CreateStatement(db)]),
        new(4, "legacy call_parts, calls_merged, calls_merged_view", db =>
        [
            CallPartsTable.CreateStatement(db),
            CallsMergedTable.CreateStatement(db),
            CallsMergedTable.CreateViewStatement(db),
        ]),
        new(5, "insert deduplication window", db =>
        [
            $"ALTER TABLE {db}.{ClickHouseIdentifier.Quote(CallsCompleteTable.Name)} MODIFY SETTING non_replicated_deduplication_window = {DeduplicationWindow}",
            $"ALTER TABLE {db}.{ClickHouseIdentifier.Quote(CallJoinErrorsTable.Name)} MODIFY SETTING non_replicated_deduplication_window = {DeduplicationWindow}",
        ]),
        new(6, "migration_validation", db => [MigrationValidationTable.CreateStatement(db)]),
        new(7, "calljoin_errors call_id index", db =>
        [
            // A table created by step 2 before this step lacks the index (one created since has it: IF NOT EXISTS).
            // MATERIALIZE builds it for the parts already written, as a background mutation.
            AddIndexStatement(db, CallJoinErrorsTable.SkipIndexes[0]),
            $"ALTER TABLE {db}.{ClickHouseIdentifier.Quote(CallJoinErrorsTable.Name)} MATERIALIZE INDEX {CallJoinErrorsTable.CallIdIndex}",
        ]),
    ];

    private static string AddIndexStatement(string db, (string Name, string Expression, string Type, int Granularity) index) =>
        $"ALTER TABLE {db}.{ClickHouseIdentifier.Quote(CallJoinErrorsTable.Name)} ADD INDEX IF NOT EXISTS {index.Name} {index.Expression} TYPE {index.Type} GRANULARITY {index.Granularity}";
}
