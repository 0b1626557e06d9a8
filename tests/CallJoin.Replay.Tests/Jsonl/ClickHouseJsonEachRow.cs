using System.Text;
using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>A migrated database on the embedded ClickHouse, read back as raw <c>FORMAT JSONEachRow</c> bytes.</summary>
internal sealed class ClickHouseJsonEachRow : IDisposable
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    private readonly ClickHouseFixture _clickHouse;

    private ClickHouseJsonEachRow(ClickHouseFixture clickHouse, string database, ClickHouseClient client) =>
        (_clickHouse, Database, Client) = (clickHouse, database, client);

    public string Database { get; }

    public ClickHouseClient Client { get; }

    public static async Task<ClickHouseJsonEachRow> CreateAsync(ClickHouseFixture clickHouse, string prefix)
    {
        var database = await clickHouse.CreateDatabaseAsync(prefix);
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(database));
        await new SchemaMigrator(client, database).MigrateAsync();
        // The test records' created_at values are fixed and long past: without this the error table's 30-day TTL drops them.
        await client.ExecuteNonQueryAsync($"ALTER TABLE {CallJoinErrorsTable.Name} REMOVE TTL");
        return new ClickHouseJsonEachRow(clickHouse, database, client);
    }

    /// <summary>
    /// The result of <paramref name="sql"/> (ending in <c>FORMAT JSONEachRow</c>) as ClickHouse's HTTP interface returns
    /// it, split into lines: default settings, or with <c>output_format_json_validate_utf8 = 1</c>.
    /// </summary>
    public async Task<List<byte[]>> QueryLinesAsync(string sql, bool validateUtf8)
    {
        using var http = new HttpClient { BaseAddress = _clickHouse.Server.Endpoint, Timeout = SafetyNet };
        // Our times are UTC; the embedded server's zone is the machine's, so pin it (no format setting is changed).
        var settings = "&session_timezone=UTC" + (validateUtf8 ? "&output_format_json_validate_utf8=1" : "");
        using var content = new StringContent(sql, Encoding.UTF8);
        using var response = await http.PostAsync(new Uri($"?database={Database}{settings}", UriKind.Relative), content);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, Encoding.UTF8.GetString(body));
        return JsonlLines.Split(body);
    }

    public void Dispose() => Client.Dispose();
}
