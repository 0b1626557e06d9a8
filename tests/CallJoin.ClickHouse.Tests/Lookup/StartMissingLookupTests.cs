using CallJoin.ClickHouse.Lookup;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Testing;

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

    private static LookupKey Key(string project, string id) => LookupKey.From(project, id);

    private static void Add(ClickHouseSink sink, string reason, string project, string id, byte[] payload, int offset, long firstSeen = FirstSeen) =>
        sink.AddError(new JoinError(reason, CallSide.End, new SourcePosition(0, offset), firstSeen, firstSeen + 10,
            System.Text.Encoding.UTF8.GetBytes(project), System.Text.Encoding.UTF8.GetBytes(id), payload));
}
