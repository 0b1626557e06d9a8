using System.Globalization;
using System.Text;
using System.Text.Json;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Replay.Jsonl;
using CallJoin.Testing;
using CsCheck;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>Random text in every string column and random payload bytes print exactly as ClickHouse prints them.</summary>
public sealed class JsonlClickHouseRandomTextTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Random_strings_and_payloads_print_as_clickhouse_prints_them()
    {
        var batch = Gen.Select(JsonlTextGen.UnicodeText, JsonlTextGen.UnicodeText, JsonlTextGen.Bytes).Array[150];
        await batch.SampleAsync(async samples =>
        {
            using var db = await ClickHouseJsonEachRow.CreateAsync(clickHouse, "jsonl_random");
            using var timeout = new CancellationTokenSource(SafetyNet);
            using var stream = new MemoryStream();
            await using (var sink = new ClickHouseSink(db.Client, new SinkOptions(), new ManualClock()))
            using (var jsonl = new JsonlJoinOutput(stream, JsonlTestCases.StartTopic, JsonlTestCases.EndTopic, leaveOpen: true))
            {
                var row = new CallRowData();
                var builder = new CallRowBuilder();
                for (var i = 0; i < samples.Length; i++)
                {
                    var (text, other, payload) = samples[i];
                    var id = i.ToString("D4", CultureInfo.InvariantCulture);
                    Assert.Equal(HalfParseStatus.Ok, builder.Build(Start(id, text, other), End(id, other, text), row));
                    var sources = new RowSources(new(0, i), new(1, i), Complete: true);
                    sink.AddRow(row, 1_000 + i, sources);
                    jsonl.OnRow(row, 1_000 + i, sources);

                    // created_at 0 on both sides: the sink's clock (ManualClock at 0) and the error's stream time.
                    var error = new JoinError("malformed_json", CallSide.Start, new SourcePosition(0, i), i, 0, payload, payload, payload);
                    sink.AddError(error);
                    jsonl.OnError(error);
                }

                await sink.CompleteAsync(timeout.Token);
            }

            var ours = JsonlLines.Split(stream.ToArray());
            var rows = await db.QueryLinesAsync("SELECT * FROM calls_complete ORDER BY id FORMAT JSONEachRow", validateUtf8: true);
            var rowsByDefault = await db.QueryLinesAsync("SELECT * FROM calls_complete ORDER BY id FORMAT JSONEachRow", validateUtf8: false);
            var errors = await db.QueryLinesAsync("SELECT * FROM calljoin_errors ORDER BY offset FORMAT JSONEachRow", validateUtf8: true);
            Assert.Equal(samples.Length, rows.Count);
            Assert.Equal(Texts(JsonlLines.Rows(ours)), Texts(rows));
            Assert.Equal(JsonlLines.Rows(ours), rowsByDefault); // valid text: default settings give the same bytes
            Assert.Equal(Texts(JsonlLines.Errors(ours)), Texts(errors));
        }, iter: 4, threads: 1);
    }

    private static byte[] Start(string id, string text, string other) => Encoding.UTF8.GetBytes(
        $$$"""{"project_id":{{{Quote("p" + other)}}},"id":"{{{id}}}","op_name":{{{Quote(text)}}},"display_name":{{{Quote(other)}}},"started_at":"2025-01-01T00:00:00Z","inputs":{"k{{{Escape(text)}}}":{{{Quote(other)}}},"r":"weave-trace-internal:///p/call/{{{Escape(text)}}}"},"attributes":{"a":[{{{Quote(text)}}}]}}""");

    private static byte[] End(string id, string other, string text) => Encoding.UTF8.GetBytes(
        $$$"""{"project_id":{{{Quote("p" + other)}}},"id":"{{{id}}}","ended_at":"2025-01-01T00:00:01Z","exception":{{{Quote(text)}}},"output":{{{Quote(other + text)}}},"summary":{"s":{{{Quote(other)}}}}}""");

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string Escape(string value) => Quote(value)[1..^1];

    private static string[] Texts(List<byte[]> lines) => [.. lines.Select(Encoding.UTF8.GetString)];
}
