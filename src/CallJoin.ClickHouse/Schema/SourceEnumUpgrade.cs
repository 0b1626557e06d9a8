using System.Globalization;
using System.Text;

namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// Checks the <c>source</c> column of a <c>calls_complete</c> that already existed (upstream's, created before us):
/// an <c>Enum8</c> without our value gets it added; anything we cannot write into is refused.
/// </summary>
/// <remarks>
/// Adding an Enum8 value is a metadata-only ALTER in ClickHouse; the column keeps its default. We add
/// <c>'calljoin' = 4</c> exactly, because the sink writes the number 4 in RowBinary: a table where 4 means something
/// else, or where <c>'calljoin'</c> has another number, would store our rows under the wrong name, so it is refused.
/// </remarks>
public static class SourceEnumUpgrade
{
    private const string Column = "source";
    private const string Value = "calljoin";

    /// <summary>
    /// The ALTER that adds our value to <paramref name="columnType"/>, or null when it is there already.
    /// </summary>
    /// <param name="table">The table, qualified and quoted for DDL.</param>
    /// <param name="columnType">The column's type as <c>system.columns</c> prints it; null when the column is absent.</param>
    /// <exception cref="InvalidOperationException">The column is absent, not an Enum8, or its values clash with ours.</exception>
    public static string? AlterStatement(string table, string? columnType)
    {
        if (columnType is null)
        {
            throw Refuse(table, "has no column source");
        }

        var values = ParseEnum8(columnType)
            ?? throw Refuse(table, $"has column source of type {columnType}, not an Enum8");
        var ours = values.FindIndex(v => v.Name == Value);
        if (ours >= 0)
        {
            return values[ours].Number == CallsCompleteTable.CallJoinSource
                ? null
                : throw Refuse(table, $"has source value '{Value}' = {values[ours].Number}, not {CallsCompleteTable.CallJoinSource}");
        }

        if (values.FindIndex(v => v.Number == CallsCompleteTable.CallJoinSource) is var taken and >= 0)
        {
            throw Refuse(table, $"uses source value {CallsCompleteTable.CallJoinSource} for '{values[taken].Name}'");
        }

        values.Add((Value, CallsCompleteTable.CallJoinSource));
        var type = new StringBuilder("Enum8(");
        for (var i = 0; i < values.Count; i++)
        {
            type.Append(i == 0 ? "" : ", ").Append(Quote(values[i].Name)).Append(" = ").Append(values[i].Number.ToString(CultureInfo.InvariantCulture));
        }

        return $"ALTER TABLE {table} MODIFY COLUMN {Column} {type.Append(')')}";
    }

    /// <summary>The (name, number) pairs of an <c>Enum8('a' = 1, 'b\'c' = 2)</c> type; null for any other type.</summary>
    public static List<(string Name, int Number)>? ParseEnum8(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        const string prefix = "Enum8(";
        if (!type.StartsWith(prefix, StringComparison.Ordinal) || !type.EndsWith(')'))
        {
            return null;
        }

        var values = new List<(string, int)>();
        var text = type.AsSpan(prefix.Length, type.Length - prefix.Length - 1);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '\'')
            {
                return null;
            }

            var name = new StringBuilder();
            for (i++; i < text.Length && text[i] != '\''; i++)
            {
                name.Append(text[i] == '\\' && i + 1 < text.Length ? text[++i] : text[i]);
            }

            var rest = text[Math.Min(i + 1, text.Length)..];
            var end = rest.IndexOf(',');
            var number = (end < 0 ? rest : rest[..end]).Trim();
            if (!number.StartsWith("=") || !int.TryParse(number[1..].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            values.Add((name.ToString(), value));
            i = end < 0 ? text.Length : i + 1 + end + 1;
            while (i < text.Length && text[i] == ' ')
            {
                i++;
            }
        }

        return values;
    }

    private static string Quote(string name) =>
        "'" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static InvalidOperationException Refuse(string table, string problem) =>
        new($"Cannot migrate: the existing table {table} {problem}. CallJoin writes its rows with source '{Value}' = " +
            $"{CallsCompleteTable.CallJoinSource} into an Enum8 column source; alter or rename the table, then migrate again.");
}
