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
using ClickHouse.Driver;

namespace CallJoin.Routing.Tests;

/// <summary>
/// A migrated database holding the same calls on both paths: the halves go through the live join (JoinEngine and the
/// ClickHouse sink) into calls_complete, and the same calls are written to call_parts as the old server wrote them — a
/// start part and an end part per call, folded by calls_merged_view — with the values the join stored, so both tables
/// hold identical data. Two projects over three days, trace trees, running calls (a start alone), an end-only fragment.
/// </summary>
internal sealed class ReadPathDatabase : IDisposable
{
    public const string ProjectA = "entity/project-a";
    public const string ProjectB = "entity/project-b";
    public static readonly DateTime FirstDay = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly string[] Ops = ["weave:///entity/project-a/op/predict:v1", "weave:///entity/project-a/op/score:v2", "openai.chat.completions.create"];

    private ReadPathDatabase(string name, ClickHouseClient client) => (Name, Client) = (name, client);

    public string Name { get; }

    public ClickHouseClient Client { get; }

    /// <summary>Calls written per project (complete and running).</summary>
    public int CallsPerProject { get; private set; }

    public static async Task<ReadPathDatabase> CreateAsync(ClickHouseFixture clickHouse, int tracesPerDay = 6)
    {
        var name = await clickHouse.CreateDatabaseAsync("reads");
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(name));
        await new SchemaMigrator(client, name).MigrateAsync();
        var db = new ReadPathDatabase(name, client);
        await db.JoinAsync(tracesPerDay);
        await db.WriteLegacyPartsAsync();
        return db;
    }

    public async Task<ulong> CountAsync(string sql) => Convert.ToUInt64(await Client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);

    private async Task JoinAsync(int tracesPerDay)
    {
        await using var sink = new ClickHouseSink(Client, new SinkOptions { Database = Name, MaxBatchDelay = TimeSpan.FromMilliseconds(50) });
        var engine = new JoinEngine<ClickHouseSinkOutput>(new InMemoryPendingStore(), new JoinOptions(), new ClickHouseSinkOutput(sink));
        long offset = 0;
        var calls = 0;
        foreach (var project in new[] { ProjectA, ProjectB })
        {
            calls = 0;
            for (var day = 0; day < 3; day++)
            {
                for (var t = 0; t < tracesPerDay; t++)
                {
                    var trace = $"{project.GetHashCode(StringComparison.Ordinal) & 0xffff:x4}{day:x2}{t:x2}".PadRight(32, '0');
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
        engine.Drain();
        await sink.CompleteAsync();
    }

    private static void Process(JoinEngine<ClickHouseSinkOutput> engine, CallSide side, string json, DateTime at, ref long offset)
    {
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
    /// The same calls as the old server wrote them: a start part (start fields, NULL for the rest) and, once ended, an
    /// end part, in two inserts so calls_merged holds unmerged parts the read must fold; plus an end part alone.
    /// </summary>
    private async Task WriteLegacyPartsAsync()
    {
        await Client.ExecuteNonQueryAsync("SYSTEM STOP MERGES calls_merged");
        await Client.ExecuteNonQueryAsync(
            """
            INSERT INTO call_parts (id, project_id, trace_id, parent_id, op_name, display_name, started_at, attributes_dump, inputs_dump,
                input_refs, output_refs, wb_user_id, wb_run_id, wb_run_step, thread_id, turn_id, otel_dump, created_at)
            SELECT id, project_id, trace_id, nullIf(parent_id, ''), op_name, nullIf(display_name, ''), started_at, attributes_dump, inputs_dump,
                input_refs, [], nullIf(wb_user_id, ''), nullIf(wb_run_id, ''), nullIf(wb_run_step, 0), nullIf(thread_id, ''), nullIf(turn_id, ''),
                nullIf(otel_dump, ''), started_at
            FROM calls_complete FINAL
            """);
        await Client.ExecuteNonQueryAsync(
            """
            INSERT INTO call_parts (id, project_id, ended_at, exception, output_dump, summary_dump, input_refs, output_refs, wb_run_step_end, created_at)
            SELECT id, project_id, ended_at, nullIf(exception, ''), output_dump, summary_dump, [], output_refs, nullIf(wb_run_step_end, 0), ended_at
            FROM calls_complete FINAL
            WHERE ended_at != toDateTime64(0, 6)
            """);
        // An end whose start never came: calls_merged keeps a fragment without started_at, which reads must skip.
        await Client.ExecuteNonQueryAsync(
            $"INSERT INTO call_parts (id, project_id, ended_at, output_dump, summary_dump, input_refs, output_refs) VALUES ('fragment-1', '{ProjectA}', '2025-03-02 05:00:00', '1', '{{}}', [], [])");
    }

    public void Dispose() => Client.Dispose();
}
