using System.Text;
using CallJoin.ClickHouse.Lookup;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.Tests.Halves;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.ClickHouse.Tests.Lookup;

/// <summary>
/// <see cref="LatePartnerLookup.FindCallsAsync"/> against the embedded ClickHouse: running rows written by the sink come
/// back exactly, so that completing them with their ends gives the row the join would have built from both halves.
/// </summary>
public sealed class LatePartnerLookupTests(ClickHouseFixture clickHouse)
{
    /// <summary>Small enough that the workload's large payloads trip the oversize rule, in running and in complete rows.</summary>
    private const int MaxDumpBytes = 256 * 1024;

    [Fact]
    public async Task Running_rows_read_back_and_completed_equal_the_rows_built_from_both_halves()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_roundtrip");
        var calls = WorkloadCalls().Concat(AwkwardCalls()).ToList();
        var builder = new CallRowBuilder(MaxDumpBytes);
        var running = new CallRowData();
        await db.WriteAsync(sink =>
        {
            for (var i = 0; i < calls.Count; i++)
            {
                Assert.Equal(HalfParseStatus.Ok, builder.Build(calls[i].Start, default, running));
                LookupDatabase.AddRow(sink, running, i);
            }
        });

        var found = await db.Lookup().FindCallsAsync([.. calls.Select(c => c.Key)], TestContext.Current.CancellationToken);

        Assert.Equal(1, db.Queries);
        var (expected, completed) = (new CallRowData(), new CallRowData());
        int exact = 0, lost = 0, replacedOnlyWhenComplete = 0, withRefs = 0, nonAscii = 0, sparse = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            var name = calls[i].Key.ToString();
            Assert.Equal(StoredCallState.Running, found[i].State);
            Assert.Equal(HalfParseStatus.Ok, builder.Build(calls[i].Start, default, running));
            Assert.Equal(RowVersion.Running(running), found[i].CreatedAtMillis);
            Assert.Equal(HalfParseStatus.Ok, builder.Build(calls[i].Start, calls[i].End, expected));
            Assert.Equal(HalfParseStatus.Ok, builder.Complete(found[i].Row!, calls[i].End, completed, out var startDumpsLost));
            Assert.Equal(running.DumpsReplaced > 0, startDumpsLost);
            if (startDumpsLost)
            {
                lost++;
                continue;
            }

            CallRowAssert.Same(expected, completed, name);
            exact++;
            replacedOnlyWhenComplete += expected.DumpsReplaced > 0 ? 1 : 0;
            withRefs += expected.InputRefs.Count > 0 || expected.OutputRefs.Count > 0 ? 1 : 0;
            nonAscii += expected.InputsDump.ContainsAnyExceptInRange((byte)0, (byte)0x7F) || expected.DisplayName.ContainsAnyExceptInRange((byte)0, (byte)0x7F) ? 1 : 0;
            sparse += expected.ParentId.IsEmpty && expected.OtelDump.IsEmpty ? 1 : 0;
        }

        // The cases the brief of this test is about all occurred.
        Assert.True(lost > 0, "no running row carried the oversize marker");
        Assert.True(replacedOnlyWhenComplete > 0, "no end pushed a fitting running row over the limit");
        Assert.True(withRefs > 0 && nonAscii > 0 && sparse > 0, $"refs {withRefs}, non-ASCII {nonAscii}, sparse {sparse}");
        Assert.Equal(calls.Count, exact + lost);
    }

    [Fact]
    public async Task Complete_deleted_and_absent_calls_are_told_apart_and_pairs_not_asked_for_are_not_reported()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_states");
        var builder = new CallRowBuilder();
        var row = new CallRowData();
        await db.WriteAsync(sink =>
        {
            Build(builder, row, "p1", "running", ended: false);
            LookupDatabase.AddRow(sink, row, 0);
            Build(builder, row, "p1", "completed-later", ended: false);
            LookupDatabase.AddRow(sink, row, 1);
            Build(builder, row, "p1", "completed-later", ended: true);
            LookupDatabase.AddRow(sink, row, 2);
            Build(builder, row, "p2", "complete", ended: true);
            LookupDatabase.AddRow(sink, row, 3);
            Build(builder, row, "p1", "complete", ended: false);   // (p1, complete) exists but is not asked for
            LookupDatabase.AddRow(sink, row, 4);
        });
        await db.Client.ExecuteNonQueryAsync(
            "INSERT INTO calls_complete (id, project_id, created_at, started_at, deleted_at, inputs_dump, output_dump, summary_dump, attributes_dump) VALUES " +
            "('deleted', 'p1', '2025-01-02 00:00:00.000', '2025-01-01 00:00:00', '2025-01-02 00:00:00.000', '{}', 'null', '{}', '{}'), " +
            "('deleted', 'p1', '2025-01-01 00:00:00.000', '2025-01-01 00:00:00', '1970-01-01 00:00:00.000', '{}', 'null', '{}', '{}')");

        var found = await db.Lookup().FindCallsAsync(
            [Key("p1", "running"), Key("p1", "completed-later"), Key("p2", "complete"), Key("p1", "deleted"), Key("p1", "absent"), Key("p2", "running")],
            TestContext.Current.CancellationToken);

        Assert.Equal(
            [StoredCallState.Running, StoredCallState.Complete, StoredCallState.Complete, StoredCallState.Deleted, StoredCallState.NotFound, StoredCallState.NotFound],
            found.Select(f => f.State));
        Assert.Equal("p1/running", found[0].Key.ToString());
        Assert.Equal("running", Encoding.UTF8.GetString(found[0].Row!.Id));
        Assert.All(found.Skip(1), f => Assert.Null(f.Row));
        Assert.Equal(0, found[4].CreatedAtMillis);
    }

    [Fact]
    public async Task A_batch_larger_than_the_limit_is_split_into_queries_and_each_key_keeps_its_answer()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_split");
        var builder = new CallRowBuilder();
        var row = new CallRowData();
        await db.WriteAsync(sink =>
        {
            for (var i = 0; i < 20; i++)
            {
                Build(builder, row, $"p{i % 3}", $"call-{i}", ended: i % 4 == 0);
                LookupDatabase.AddRow(sink, row, i);
            }
        });

        // 20 stored, 5 absent, 3 asked twice (once in another query than the first time): 28 keys, 3 per query.
        var keys = Enumerable.Range(0, 25).Select(i => Key($"p{i % 3}", $"call-{i}"))
            .Concat([Key("p1", "call-1"), Key("p0", "call-0"), Key("p2", "call-17")]).ToArray();
        var found = await db.Lookup(maxKeysPerQuery: 3).FindCallsAsync(keys, TestContext.Current.CancellationToken);

        Assert.Equal(10, db.Queries);
        for (var i = 0; i < keys.Length; i++)
        {
            var n = int.Parse(Encoding.UTF8.GetString(keys[i].Id.Span)["call-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var expected = n >= 20 ? StoredCallState.NotFound : n % 4 == 0 ? StoredCallState.Complete : StoredCallState.Running;
            Assert.Equal(expected, found[i].State);
            if (expected == StoredCallState.Running)
            {
                Assert.Equal(keys[i].Id.ToArray(), found[i].Row!.Id.ToArray());
                Assert.Equal(keys[i].ProjectId.ToArray(), found[i].Row!.ProjectId.ToArray());
            }
        }
    }

    private static LookupKey Key(string project, string id) => LookupKey.From(project, id);

    private static void Build(CallRowBuilder builder, CallRowData row, string project, string id, bool ended)
    {
        var start = Encoding.UTF8.GetBytes($$$"""{"project_id":"{{{project}}}","id":"{{{id}}}","started_at":"2025-01-01T00:00:00Z","inputs":{"a":1}}""");
        var end = Encoding.UTF8.GetBytes($$"""{"project_id":"{{project}}","id":"{{id}}","ended_at":"2025-01-01T00:00:01Z","output":2}""");
        Assert.Equal(HalfParseStatus.Ok, builder.Build(start, ended ? end : default, row));
    }

    /// <summary>Calls of the workload that have a start and an end: refs, unicode, medium and large payloads, absent optional fields.</summary>
    private static IEnumerable<Call> WorkloadCalls()
    {
        var workload = new WeaveWorkload(new WorkloadOptions
        {
            Calls = 300,
            Seed = 17,
            MediumPayloads = 0.2,
            LargePayloads = 0.06,
            Malformed = 0,
            DuplicateHalf = 0,
            OrphanEnd = 0,
            NeverEnds = 0,
        });
        var starts = new Dictionary<string, byte[]>();
        var ends = new Dictionary<string, byte[]>();
        foreach (var e in workload.Events())
        {
            var halves = e.Kind == WorkloadEventKind.Start ? starts : e.Kind == WorkloadEventKind.End ? ends : null;
            halves?.Add(Convert.ToHexString(e.Key), e.Payload);
        }

        var key = new HalfKey();
        foreach (var (id, start) in starts)
        {
            if (ends.TryGetValue(id, out var end))
            {
                Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(start, CallSide.Start, key));
                yield return new Call(new LookupKey(key.ProjectId.ToArray(), key.Id.ToArray()), start, end);
            }
        }
    }

    /// <summary>Keys and values that need exact bytes: quotes, backslashes, control characters, non-BMP text; a bare start.</summary>
    private static IEnumerable<Call> AwkwardCalls()
    {
        (string Project, string Id)[] keys = [("""p'1\\""", """id \"q\" \n\t 'x' \u00e9 \ud83d\ude80"""), ("UHJvamVjdDox", "bare"), ("""p\u0000""", "nul")];
        foreach (var (project, id) in keys)
        {
            var start = Encoding.UTF8.GetBytes($$$"""{"project_id":"{{{project}}}","id":"{{{id}}}","started_at":"2025-03-04T05:06:07.000008Z","display_name":"\ud83d\ude80 caf\u00e9 '\\'","inputs":{"r":"weave:///e/p/object/o:1"}}""");
            var end = Encoding.UTF8.GetBytes($$"""{"project_id":"{{project}}","id":"{{id}}","ended_at":"2025-03-04T05:06:08Z","output":"weave:///e/p/object/o:2","exception":"line\nbreak"}""");
            var key = new HalfKey();
            Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(start, CallSide.Start, key));
            yield return new Call(new LookupKey(key.ProjectId.ToArray(), key.Id.ToArray()), start, end);
        }
    }

    private sealed record Call(LookupKey Key, byte[] Start, byte[] End);
}
