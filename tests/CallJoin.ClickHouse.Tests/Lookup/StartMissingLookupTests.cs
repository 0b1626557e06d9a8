using System.Globalization;
using CallJoin.ClickHouse.Lookup;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Lookup;

/// <summary>
/// <see cref="LatePartnerLookup.FindStartMissingAsync"/> against the embedded ClickHouse: the raw end of a
/// <c>start_missing</c> record written by the sink comes back byte for byte, records of other reasons never.
/// </summary>
public sealed class StartMissingLookupTests(ClickHouseFixture clickHouse)
{
    private const long FirstSeen = 1_735_787_045_123;

    [Fact]
    public async Task The_end_of_a_start_missing_record_comes_back_byte_for_byte_and_other_reasons_are_not_looked_at()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_missing");
        var large = new byte[1_500_000];
        new Random(5).NextBytes(large);   // not even UTF-8: the payload is whatever arrived
        byte[] plain = """{"project_id":"p1","id":"a","ended_at":"2025-01-02T00:00:00Z","output":"caf\u00e9 \n 'x'"}"""u8.ToArray();
        byte[] first = [0, 0xFF, 0x27, 0x5C, 0x0A];
        byte[] second = [9, 9, 9];
        await db.WriteAsync(sink =>
        {
            Add(sink, JoinErrorReason.StartMissing, "p1", "a", plain, offset: 1);
            Add(sink, JoinErrorReason.StartMissing, "p1", "large", large, offset: 2);
            Add(sink, "malformed_json", "p1", "other-reason", [1, 2, 3], offset: 3);
            Add(sink, JoinErrorReason.ConflictingDuplicate, "p1", "both", [4], offset: 4);
            Add(sink, JoinErrorReason.StartMissing, "p1", "both", [5], offset: 5);
            Add(sink, JoinErrorReason.StartMissing, "p2", "twice", second, offset: 7, firstSeen: FirstSeen + 1);
            Add(sink, JoinErrorReason.StartMissing, "p2", "twice", first, offset: 6);
            Add(sink, JoinErrorReason.StartMissing, "p1", "twice", [6], offset: 8);   // same id, project not asked with it
        });

        var found = await db.Lookup().FindStartMissingAsync(
            [Key("p1", "a"), Key("p1", "large"), Key("p1", "other-reason"), Key("p1", "both"), Key("p2", "twice"), Key("p2", "a"), Key("p1", "absent")],
            TestContext.Current.CancellationToken);

        Assert.Equal(plain, found[0]!.Payload.ToArray());
        Assert.Equal((0, 1L, FirstSeen), (found[0]!.Partition, found[0]!.Offset, found[0]!.FirstSeenMillis));
        Assert.Equal(large, found[1]!.Payload.ToArray());
        Assert.Null(found[2]);
        Assert.Equal([5], found[3]!.Payload.ToArray());
        Assert.Equal(first, found[4]!.Payload.ToArray());   // the earliest of two
        Assert.Equal("p2/twice", found[4]!.Key.ToString());
        Assert.Null(found[5]);
        Assert.Null(found[6]);
    }

    [Fact]
    public async Task A_split_batch_finds_every_record_with_one_query_per_part()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_missing_split");
        await db.WriteAsync(sink =>
        {
            for (var i = 0; i < 10; i++)
            {
                Add(sink, JoinErrorReason.StartMissing, "p", $"c{i}", [(byte)i], offset: i);
            }
        });

        var keys = Enumerable.Range(0, 12).Select(i => Key("p", $"c{i}")).ToArray();
        var found = await db.Lookup(maxKeysPerQuery: 5).FindStartMissingAsync(keys, TestContext.Current.CancellationToken);

        Assert.Equal(3, db.Queries);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte?)i).Concat([null, null]), found.Select(f => f is null ? (byte?)null : f.Payload.Span[0]));
    }

    [Fact]
    public async Task The_error_table_gets_its_call_id_index_from_the_migration_and_the_lookup_uses_it()
    {
        var db = await clickHouse.CreateDatabaseAsync("lookup_index");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        var migrator = new SchemaMigrator(client, db);
        var indexStep = CallJoinMigrations.All.Single(m => m.Name == "calljoin_errors call_id index").Version;
        await migrator.MigrateAsync([.. CallJoinMigrations.All.Where(m => m.Version < indexStep)]);
        // A table from before the step: created without the index, as step 2 did then.
        await client.ExecuteNonQueryAsync($"DROP TABLE `{db}`.calljoin_errors");
        await client.ExecuteNonQueryAsync(CallJoinErrorsTable.CreateStatement($"`{db}`").Replace(",\n    INDEX idx_call_id call_id TYPE bloom_filter(0.01) GRANULARITY 1", "", StringComparison.Ordinal));
        Assert.Empty(await IndexesAsync(client, db));

        await migrator.MigrateAsync();

        Assert.Equal(["idx_call_id call_id bloom_filter(0.01) 1"], await IndexesAsync(client, db));
        await client.ExecuteNonQueryAsync(
            "INSERT INTO calljoin_errors (reason, payload, topic, partition, offset, project_id, call_id, first_seen) " +
            "SELECT 'start_missing', 'x', 't', 0, number, 'p', toString(number), '2025-01-01 00:00:00' FROM numbers(100000)");
        var plan = await ExplainAsync(client, LookupSql.StartMissing("calljoin_errors", [Key("p", "77")], 0, 1));
        Assert.Contains("idx_call_id", plan, StringComparison.Ordinal);
    }

    private static LookupKey Key(string project, string id) => LookupKey.From(project, id);

    private static void Add(ClickHouseSink sink, string reason, string project, string id, byte[] payload, int offset, long firstSeen = FirstSeen) =>
        sink.AddError(new JoinError(reason, CallSide.End, new SourcePosition(0, offset), firstSeen, firstSeen + 10,
            System.Text.Encoding.UTF8.GetBytes(project), System.Text.Encoding.UTF8.GetBytes(id), payload));

    private static async Task<List<string>> IndexesAsync(ClickHouseClient client, string db)
    {
        var indexes = new List<string>();
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT name, expr, type_full, granularity FROM system.data_skipping_indices WHERE database = '{db}' AND table = 'calljoin_errors'");
        while (reader.Read())
        {
            indexes.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {reader.GetValue(3)}"));
        }

        return indexes;
    }

    private static async Task<string> ExplainAsync(ClickHouseClient client, string sql)
    {
        var lines = new List<string>();
        using var reader = await client.ExecuteReaderAsync("EXPLAIN indexes = 1 " + sql[..sql.LastIndexOf("FORMAT", StringComparison.Ordinal)]);
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
