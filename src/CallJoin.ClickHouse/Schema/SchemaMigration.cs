namespace CallJoin.ClickHouse.Schema;

/// <summary>One versioned schema step: idempotent statements, rendered for a given (quoted) database name.</summary>
public sealed record SchemaMigration(int Version, string Name, Func<string, IReadOnlyList<string>> Statements);
