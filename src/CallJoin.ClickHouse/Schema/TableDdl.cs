using System.Text;

namespace CallJoin.ClickHouse.Schema;

/// <summary>Renders the <c>CREATE TABLE IF NOT EXISTS</c> statement every table definition here shares.</summary>
internal static class TableDdl
{
    /// <param name="database">Already quoted.</param>
    /// <param name="name">The table name (quoted here).</param>
    /// <param name="columns">In table order.</param>
    /// <param name="skipIndexes">Data-skipping indexes, if any.</param>
    /// <param name="engine">The engine clause.</param>
    /// <param name="orderBy">The sort key.</param>
    /// <param name="partitionBy">The partition key, if any.</param>
    /// <param name="ttl">The TTL clause, if any.</param>
    /// <param name="settings">Table settings, if any.</param>
    public static string Create(
        string database, string name, IEnumerable<TableColumn> columns,
        IEnumerable<(string Name, string Expression, string Type, int Granularity)>? skipIndexes,
        string engine, string orderBy, string? partitionBy = null, string? ttl = null, string? settings = null)
    {
        var body = string.Join(
            ",\n    ",
            columns.Select(c => c.ToDdl())
                .Concat((skipIndexes ?? []).Select(i => $"INDEX {i.Name} {i.Expression} TYPE {i.Type} GRANULARITY {i.Granularity}")));
        var ddl = new StringBuilder()
            .Append("CREATE TABLE IF NOT EXISTS ").Append(database).Append('.').Append(ClickHouseIdentifier.Quote(name)).Append('\n')
            .Append("(\n    ").Append(body).Append("\n)\n")
            .Append("ENGINE = ").Append(engine);
        Clause(ddl, "PARTITION BY", partitionBy);
        Clause(ddl, "ORDER BY", orderBy);
        Clause(ddl, "TTL", ttl);
        Clause(ddl, "SETTINGS", settings);
        return ddl.ToString();
    }

    private static void Clause(StringBuilder ddl, string keyword, string? value)
    {
        if (value is not null)
        {
            ddl.Append('\n').Append(keyword).Append(' ').Append(value);
        }
    }
}
