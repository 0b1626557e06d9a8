namespace CallJoin.ClickHouse;

/// <summary>Database and table names as they go into SQL: always backquoted, so any name (<c>weave-prod</c>) works.</summary>
public static class ClickHouseIdentifier
{
    /// <summary>Backquotes <paramref name="name"/>, escaping backslashes and backquotes.</summary>
    public static string Quote(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "`" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";
    }

    /// <summary><c>`database`.`table`</c>, or just <c>`table`</c> when <paramref name="database"/> is null (the client's default).</summary>
    public static string Qualified(string? database, string table) =>
        database is null ? Quote(table) : Quote(database) + "." + Quote(table);
}
