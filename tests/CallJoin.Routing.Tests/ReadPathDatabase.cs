using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Replay;
using CallJoin.Testing;
using CallJoin.Workload.Legacy;
using ClickHouse.Driver;

namespace CallJoin.Routing.Tests;

/// <summary>
/// A migrated database holding the same calls on both paths: the halves go through the live join (JoinEngine and the
/// ClickHouse sink) into calls_complete, and the same halves are written to call_parts as the old server wrote them
/// (<see cref="LegacyCallPartsWriter"/>: a start part and an end part per call, folded by calls_merged_view, a few rows
/// per insert so that some calls stay in two unmerged parts). Two projects over three days, trace trees, running calls
/// (a start alone), failed calls, and an end whose start never came.
/// </summary>
internal sealed class ReadPathDatabase : IDisposable
{
    public const string ProjectA = "entity/project-a";
    public const string ProjectB = "entity/project-b";
    public static readonly DateTime FirstDay = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly string[] Ops = ["weave:///entity/project-a/op/predict:v1", "weave:///entity/project-a/op/score:v2", "openai.chat.completions.create"];

    private readonly List<(CallSide Side, ReadOnlyMemory<byte> Payload)> _halves = [];

    private ReadPathDatabase(string name, ClickHouseClient client) => (Name, Client) = (name, client);

    public string Name { get; }

    public ClickHouseClient Client { get; }

    /// <summary>Calls written per project (complete and running).</summary>
    public int CallsPerProject { get; private set; }

    /// <param name="clickHouse">The engine.</param>
    /// <param name="tracesPerDay">Traces of four calls per project and day.</param>
    /// <param name="joined">False: the legacy path only (calls_complete stays empty, as before a backfill).</param>
    public static async Task<ReadPathDatabase> CreateAsync(ClickHouseFixture clickHouse, int tracesPerDay = 6, bool joined = true)
    {
        var name = await clickHouse.CreateDatabaseAsync("reads");
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(name));
        await new SchemaMigrator(client, name).MigrateAsync();
        var db = new ReadPathDatabase(name, client);
        await db.JoinAsync(tracesPerDay, joined);
        await db.WriteLegacyPartsAsync();
        return db;
    }

    public async Task<ulong> CountAsync(string sql) => Convert.ToUInt64(await Client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);

    private async Task JoinAsync(int tracesPerDay, bool joined)
    {
        await using var sink = new ClickHouseSink(Client, new SinkOptions { Database = Name, MaxBatchDelay = TimeSpan.FromMilliseconds(50) });
        var engine = joined ? new JoinEngine<ClickHouseSinkOutput>(new InMemoryPendingStore(), new JoinOptions(), new ClickHouseSinkOutput(sink)) : null;
        long offset = 0;
        var calls = 0;
        foreach (var project in new[] { ProjectA, ProjectB })
        {
            calls = 0;
            for (var day = 0; day < 3; day++)
            {
                for (var t = 0; t < tracesPerDay; t++)
                {
                    var trace = $"{(project == ProjectA ? "aaaa" : "bbbb")}{day:x2}{t:x2}".PadRight(32, '0');
                    var root = FirstDay.AddDays(day).AddHours(1 + t).AddTicks(1234560 * (t + 1));
                    string? parent = null;
                    for (var depth = 0; depth < 4; depth++)
                    {
                        var id = $"{trace[..8]}-0000-4000-8000-{depth:x2}{t:x2}{day:x2}{(project == ProjectA ? 0xa : 0xb):x6}";
                        var startedAt = root.AddMilliseconds(depth * 250.5);
                        var op = Ops[(t + depth) % Ops.Length];
                        // The last call of every third trace never ends: a running row on one path, a start part on the other.
                        var running = depth == 3 && t % 3 == 0;
                        Process(engine, CallSide.Start, Start(project, id, trace, parent, op, startedAt, t, depth), startedAt, ref offset);
                        if (!running)
                        {
                            var endedAt = startedAt.AddMilliseconds(900 + (depth * 10));
                            Process(engine, CallSide.End, End(project, id, endedAt, failed: depth == 2 && t % 2 == 1, depth), endedAt, ref offset);
                        }

                        parent = id;
                        calls++;
                    }
                }
            }
        }

        CallsPerProject = calls;
        engine?.Drain();
        await sink.CompleteAsync();
    }

    private void Process(JoinEngine<ClickHouseSinkOutput>? engine, CallSide side, string json, DateTime at, ref long offset)
    {
        _halves.Add((side, Encoding.UTF8.GetBytes(json)));
        if (engine is null)
        {
            return;
        }

        var millis = new DateTimeOffset(at).ToUnixTimeMilliseconds();
        var outcome = engine.Process(side, Encoding.UTF8.GetBytes(json), new SourcePosition(0, offset++), millis);
        Assert.True(outcome is JoinOutcome.Stored or JoinOutcome.Matched, $"{side} {json}: {outcome}");
    }

    private static string Start(string project, string id, string trace, string? parent, string op, DateTime startedAt, int t, int depth)
    {
        var start = new JsonObject
        {
            ["project_id"] = project,
            ["id"] = id,
            ["op_name"] = op,
            ["display_name"] = depth == 1 ? "step one" : null,
            ["trace_id"] = trace,
            ["parent_id"] = parent,
            ["started_at"] = Iso(startedAt),
            ["attributes"] = new JsonObject { ["weave"] = new JsonObject { ["client_version"] = $"0.51.{t}" } },
            ["inputs"] = new JsonObject { ["question"] = $"q{t}-{depth}", ["n"] = depth, ["nested"] = new JsonObject { ["a"] = new JsonArray(1, 2.5, "x") } },
            ["wb_user_id"] = $"user-{t % 2}",
            ["wb_run_id"] = t % 2 == 0 ? "run-1" : null,
        };
        if (depth == 0)
        {
            start["wb_run_step"] = 7;
        }

        return start.ToJsonString();
    }

    private static string End(string project, string id, DateTime endedAt, bool failed, int depth) => new JsonObject
    {
        ["project_id"] = project,
        ["id"] = id,
        ["ended_at"] = Iso(endedAt),
        ["exception"] = failed ? "ValueError: bad" : null,
        ["output"] = failed ? null : new JsonObject { ["answer"] = depth, ["text"] = "ok" },
        ["summary"] = new JsonObject { ["usage"] = new JsonObject { ["gpt-4o"] = new JsonObject { ["requests"] = 1, ["prompt_tokens"] = 10 + depth } } },
    }.ToJsonString();

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The same halves as the old server wrote them, plus an end alone (calls_merged keeps a fragment without
    /// started_at, which reads must skip; the join made a start_missing record of nothing, as it never saw it).
    /// </summary>
    private async Task WriteLegacyPartsAsync()
    {
        await Client.ExecuteNonQueryAsync("SYSTEM STOP MERGES calls_merged");
        var fragment = End(ProjectA, "0000fa11-0000-4000-8000-000000000001", FirstDay.AddDays(1).AddHours(5), failed: false, depth: 0);
        var writer = new LegacyCallPartsWriter(Client, Name, rowsPerInsert: 3);
        var result = await writer.WriteAsync(_halves.Append((CallSide.End, Encoding.UTF8.GetBytes(fragment))));
        Assert.Equal(_halves.Count + 1, result.Parts);
        Assert.Equal(0, result.Refused);
    }

    public void Dispose() => Client.Dispose();
}
