namespace CallJoin.ClickHouse.Schema;

/// <summary>The ordered list of schema versions CallJoin manages. Append only: never edit a released step.</summary>
public static class CallJoinMigrations
{
    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "calls_complete", db => [CallsCompleteTable.CreateStatement(db)]),
    ];
}
