using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace CallJoin.EmbeddedClickHouse.Http;

/// <summary>One request to ClickHouse's HTTP interface, split the way the server splits it.</summary>
/// <remarks>
/// URL parameters: <c>query</c>, <c>database</c>, <c>default_format</c>, <c>param_NAME</c> (query parameters), a few
/// interface options that are not settings, and every other name is a query-level setting for this request only.
/// </remarks>
internal sealed partial class ClickHouseRequest
{
    private static readonly HashSet<string> InterfaceOptions = new(StringComparer.Ordinal)
    {
        "query", "database", "default_format", "user", "password", "quota_key", "query_id", "session_id",
        "session_timeout", "session_check", "buffer_size", "wait_end_of_query", "stacktrace", "role",
        "client_protocol_version", "compress", "decompress",
    };

    public string? Query { get; private init; }

    public string? Database { get; private init; }

    public string Format { get; private init; } = "TabSeparated";

    public string QueryId { get; private init; } = "";

    public List<KeyValuePair<string, string>> Parameters { get; } = [];

    public List<KeyValuePair<string, string>> Settings { get; } = [];

    /// <summary>An interface option this endpoint does not implement (ClickHouse's native block compression).</summary>
    public string? Unsupported { get; private init; }

    public static ClickHouseRequest From(HttpRequest http)
    {
        var q = http.Query;
        var request = new ClickHouseRequest
        {
            Query = q["query"].FirstOrDefault(),
            Database = q["database"].FirstOrDefault() ?? http.Headers["X-ClickHouse-Database"].FirstOrDefault(),
            Format = q["default_format"].FirstOrDefault() ?? http.Headers["X-ClickHouse-Format"].FirstOrDefault() ?? "TabSeparated",
            QueryId = q["query_id"].FirstOrDefault() ?? http.Headers["X-ClickHouse-Query-Id"].FirstOrDefault() ?? Guid.NewGuid().ToString(),
            Unsupported = q["decompress"].FirstOrDefault() == "1" ? "decompress=1"
                : q["compress"].FirstOrDefault() == "1" ? "compress=1" : null,
        };
        foreach (var (key, values) in q)
        {
            var value = values.LastOrDefault() ?? "";
            if (key.StartsWith("param_", StringComparison.Ordinal))
            {
                request.Parameters.Add(new(key["param_".Length..], value));
            }
            else if (!InterfaceOptions.Contains(key))
            {
                request.Settings.Add(new(key, value));
            }
        }

        return request;
    }

    /// <summary>
    /// For <c>INSERT … FORMAT X</c> (data in the body): the statement without its FORMAT clause and the format name.
    /// </summary>
    public static bool TrySplitInsert(string statement, out string insert, out string format)
    {
        var match = TrailingFormat().Match(statement);
        if (match.Success && LeadingInsert().IsMatch(statement))
        {
            insert = statement[..match.Index];
            format = match.Groups[1].Value;
            return true;
        }

        insert = format = "";
        return false;
    }

    /// <summary>The output format a SELECT names itself, else the request's default.</summary>
    public string OutputFormat(string statement) => TrailingFormat().Match(statement) is { Success: true } m ? m.Groups[1].Value : Format;

    [GeneratedRegex(@"\bFORMAT\s+(\w+)\s*;?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TrailingFormat();

    [GeneratedRegex(@"^\s*INSERT\s+INTO\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LeadingInsert();
}
