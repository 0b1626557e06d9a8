using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Replay.Jsonl;
using CsCheck;
using static CallJoin.Replay.Tests.Jsonl.JsonlLines;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>The JSONL output on its own: valid JSON per line, the tables' keys, values that survive parsing, no allocation.</summary>
public sealed class JsonlJoinOutputTests
{
    private const string StartTopic = "dump.starts";
    private const string EndTopic = "dump.ends";

    [Fact]
    public void Every_line_is_valid_json_with_the_columns_of_its_table_in_order()
    {
        var lines = Split(WriteAllCases());

        Assert.Equal(JsonlTestCases.Calls.Count + JsonlTestCases.Errors.Count, lines.Count);
        foreach (var line in lines)
        {
            Assert.True(Utf8.IsValid(line));
            var keys = Keys(line);
            var expected = keys[0] == "id" ? CallsCompleteTable.Columns : CallJoinErrorsTable.Columns;
            Assert.Equal(expected.Select(c => c.Name), keys);
        }

        Assert.Equal(JsonlTestCases.Calls.Count - 1, Rows(lines).Count);
        Assert.Equal(JsonlTestCases.Errors.Count + 1, Errors(lines).Count);
    }

    [Fact]
    public void A_row_line_carries_the_rows_values_and_the_sinks_sentinels()
    {
        var row = JsonlTestCases.Calls[0].Build(new CallRowData());
        var running = JsonlTestCases.Calls[1].Build(new CallRowData());
        using var stream = new MemoryStream();
        using (var output = new JsonlJoinOutput(stream, StartTopic, EndTopic, leaveOpen: true))
        {
            output.OnRow(row, 1_741_064_769_500, new RowSources(new(0, 1), new(0, 2), Complete: true));
            output.OnRow(running, 1_741_064_767_000, new RowSources(new(0, 3), default, Complete: false));
            Assert.Equal((2, 0, 0), (output.Rows, output.Errors, output.Released));
        }

        var lines = Split(stream.ToArray());
        using var complete = JsonDocument.Parse(lines[0]);
        var r = complete.RootElement;
        Assert.Equal("row-01", r.GetProperty("id").GetString());
        Assert.Equal("proj/main", r.GetProperty("project_id").GetString());
        Assert.Equal("2025-03-04 05:06:09.500", r.GetProperty("created_at").GetString());
        Assert.Equal("2025-03-04 05:06:07.123456", r.GetProperty("started_at").GetString());
        Assert.Equal("2025-03-04 05:06:09.500000", r.GetProperty("ended_at").GetString());
        Assert.Equal("1970-01-01 00:00:00.000", r.GetProperty("updated_at").GetString());
        Assert.Equal("1970-01-01 00:00:00.000", r.GetProperty("deleted_at").GetString());
        Assert.Equal("ValueError: bad \"quote\" / slash \u0085", r.GetProperty("exception").GetString());
        Assert.Equal(Encoding.UTF8.GetString(row.InputsDump), r.GetProperty("inputs_dump").GetString());
        Assert.Equal(Encoding.UTF8.GetString(row.OutputDump), r.GetProperty("output_dump").GetString());
        Assert.Equal(Encoding.UTF8.GetString(row.OtelDump), r.GetProperty("otel_dump").GetString());
        Assert.Equal(RefStrings(row.InputRefs), Strings(r.GetProperty("input_refs")));
        Assert.Contains("weave-trace-internal:///proj/object/Model:abc", Strings(r.GetProperty("input_refs")));
        Assert.Equal(["weave-trace-internal:///proj/object/Answer:v2"], Strings(r.GetProperty("output_refs")));
        Assert.Equal(7UL, r.GetProperty("wb_run_step").GetUInt64());
        Assert.Equal(9UL, r.GetProperty("wb_run_step_end").GetUInt64());
        Assert.Equal(JsonValueKind.Number, r.GetProperty("wb_run_step").ValueKind);
        Assert.Equal("2100-01-01 00:00:00", r.GetProperty("expire_at").GetString());
        Assert.Equal("calljoin", r.GetProperty("source").GetString());
        Assert.Contains("\"op_name\":\"weave:\\/\\/\\/proj\\/op\\/predict:v3\"", Encoding.UTF8.GetString(lines[0]), StringComparison.Ordinal);

        using var runningLine = JsonDocument.Parse(lines[1]);
        var s = runningLine.RootElement;
        Assert.Equal("1970-01-01 00:00:00.000000", s.GetProperty("ended_at").GetString());
        Assert.Equal("null", s.GetProperty("output_dump").GetString());
        Assert.Equal("{}", s.GetProperty("summary_dump").GetString());
        Assert.Equal("", s.GetProperty("parent_id").GetString());
        Assert.Equal(0, s.GetProperty("output_refs").GetArrayLength());
    }

    [Fact]
    public void Times_outside_the_usual_range_are_printed_as_clickhouse_prints_them()
    {
        var lines = Rows(Split(WriteAllCases()));
        var byId = lines.ToDictionary(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!);

        // Expected values are ClickHouse 26.7's own output for the same stored numbers.
        var before = JsonDocument.Parse(byId["row-06"]).RootElement;
        Assert.Equal("1969-07-20 20:17:40.123456", before.GetProperty("started_at").GetString());
        Assert.Equal("1969-12-31 23:59:59.999", before.GetProperty("created_at").GetString());
        var extreme = JsonDocument.Parse(byId["row-07"]).RootElement;
        Assert.Equal("0000-12-31 23:59:00.000000", extreme.GetProperty("started_at").GetString());
        Assert.Equal("9999-12-31 23:59:59.500000", extreme.GetProperty("ended_at").GetString());
        var offsets = JsonDocument.Parse(byId["row-09"]).RootElement;
        Assert.Equal("2025-03-04 05:06:07.500000", offsets.GetProperty("started_at").GetString());
        Assert.Equal("2025-03-04 05:06:07.654321", offsets.GetProperty("ended_at").GetString());
        var largest = JsonDocument.Parse(byId["row-05"]).RootElement;
        Assert.Equal(ulong.MaxValue, largest.GetProperty("wb_run_step_end").GetUInt64());
        Assert.Equal(0UL, largest.GetProperty("wb_run_step").GetUInt64());
    }

    [Fact]
    public void Error_lines_for_malformed_input_have_empty_ids_the_raw_payload_and_stream_time_as_created_at()
    {
        using var stream = new MemoryStream();
        using (var output = new JsonlJoinOutput(stream, StartTopic, EndTopic, leaveOpen: true))
        {
            output.OnError(new JoinError("missing_field:id", CallSide.Start, new SourcePosition(3, 41), 1_735_787_045_123, 1_735_787_345_678,
                default, default, "{\"project_id\":\"p\",\"name\":\"no id\"}"u8));
            output.OnError(new JoinError("malformed_json", CallSide.End, new SourcePosition(0, 0), 0, 0, default, default, "{not json"u8));
            output.OnError(new JoinError(JoinErrorReason.StartMissing, CallSide.End, new SourcePosition(2, 5), 10, 300_010, "p"u8, "c1"u8, "{}"u8));
            Assert.Equal((0, 3), (output.Rows, output.Errors));
        }

        var lines = Split(stream.ToArray());
        Assert.Equal(
            """{"reason":"missing_field:id","payload":"{\"project_id\":\"p\",\"name\":\"no id\"}","topic":"dump.starts","partition":3,"offset":41,"project_id":"","call_id":"","first_seen":"2025-01-02 03:04:05.123","created_at":"2025-01-02 03:09:05.678"}""",
            Encoding.UTF8.GetString(lines[0]));
        Assert.Equal(
            """{"reason":"malformed_json","payload":"{not json","topic":"dump.ends","partition":0,"offset":0,"project_id":"","call_id":"","first_seen":"1970-01-01 00:00:00.000","created_at":"1970-01-01 00:00:00.000"}""",
            Encoding.UTF8.GetString(lines[1]));
        using var known = JsonDocument.Parse(lines[2]);
        Assert.Equal(("p", "c1", "start_missing"), (known.RootElement.GetProperty("project_id").GetString(), known.RootElement.GetProperty("call_id").GetString(), known.RootElement.GetProperty("reason").GetString()));
    }

    [Fact]
    public void A_payload_that_is_not_utf8_becomes_a_valid_string_with_one_replacement_per_bad_run()
    {
        using var stream = new MemoryStream();
        using (var output = new JsonlJoinOutput(stream, StartTopic, EndTopic, leaveOpen: true))
        {
            output.OnError(new JoinError("malformed_json", CallSide.Start, new SourcePosition(0, 1), 0, 0, default, default,
                [(byte)'a', 0xFF, 0xFE, (byte)'b', 0xC3, (byte)'"', 0xED, 0xA0, 0x80, 0xC3, 0xA9, 0xF0, 0x9F, 0x98]));
        }

        var line = Assert.Single(Split(stream.ToArray()));
        Assert.True(Utf8.IsValid(line));
        using var document = JsonDocument.Parse(line);
        Assert.Equal("a\uFFFDb\uFFFD\"\uFFFDé\uFFFD", document.RootElement.GetProperty("payload").GetString());
    }

    [Fact]
    public void A_row_above_the_row_limit_is_an_oversize_row_error_as_in_the_sink()
    {
        var call = JsonlTestCases.Calls[^1];
        var big = call.Build(new CallRowData());
        using var stream = new MemoryStream();
        using (var output = new JsonlJoinOutput(stream, StartTopic, EndTopic, leaveOpen: true) { MaxRowBytes = 4_000 })
        {
            output.OnRow(big, 1_741_064_768_123, call.RowSources());
            output.OnRow(big, 1_741_064_768_123, new RowSources(new(4, 39), default, Complete: false) { StartHalf = Encoding.UTF8.GetBytes(call.Start) });
            Assert.Equal((0, 2), (output.Rows, output.Errors));
        }

        var lines = Split(stream.ToArray());
        var complete = Encoding.UTF8.GetString(lines[0]);
        Assert.StartsWith(""""{"reason":"oversize_row","payload":"{\"row_bytes\":5010,\"max_row_bytes\":4000,\"start_bytes\":"""", complete, StringComparison.Ordinal);
        Assert.EndsWith(
            ""","topic":"dump.ends","partition":4,"offset":40,"project_id":"proj\/main","call_id":"row-10","first_seen":"2025-03-04 05:06:08.123","created_at":"2025-03-04 05:06:08.123"}""",
            complete, StringComparison.Ordinal);
        // The start verbatim; the end (5 KB) alone is more than an error record may hold under the 4,000-byte limit.
        using (var payload = JsonDocument.Parse(JsonDocument.Parse(lines[0]).RootElement.GetProperty("payload").GetString()!))
        {
            Assert.Equal(call.Start, payload.RootElement.GetProperty("start").GetRawText());
            Assert.Equal(JsonValueKind.Null, payload.RootElement.GetProperty("end").ValueKind);
            Assert.Equal(Encoding.UTF8.GetByteCount(call.End!), payload.RootElement.GetProperty("end_bytes").GetInt32());
        }

        var running = Encoding.UTF8.GetString(lines[1]);
        Assert.Contains("\"topic\":\"dump.starts\",\"partition\":4,\"offset\":39,", running, StringComparison.Ordinal);
        using (var payload = JsonDocument.Parse(JsonDocument.Parse(lines[1]).RootElement.GetProperty("payload").GetString()!))
        {
            Assert.Equal(call.Start, payload.RootElement.GetProperty("start").GetRawText());
            Assert.Equal((JsonValueKind.Null, 0), (payload.RootElement.GetProperty("end").ValueKind, payload.RootElement.GetProperty("end_bytes").GetInt32()));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new JsonlJoinOutput(Stream.Null, StartTopic, EndTopic) { MaxRowBytes = 0 });
    }

    [Fact]
    public void Arbitrary_text_in_every_string_column_survives_json_parsing_unchanged()
    {
        Gen.Select(JsonlTextGen.UnicodeText, JsonlTextGen.UnicodeText, JsonlTextGen.UnicodeText).Sample((opName, exception, value) =>
        {
            var row = new CallRowData();
            using var stream = new MemoryStream();
            using var output = new JsonlJoinOutput(stream, StartTopic, EndTopic, leaveOpen: true);
            var start = Message("s", [("op_name", opName), ("display_name", value), ("trace_id", exception)], $$"""{"k{{Escape(value)}}": {{Quote(opName)}}, "r": "weave-trace-internal:///p/call/{{Escape(value)}}"}""");
            var end = Message("e", [("exception", exception)], null);
            Assert.Equal(HalfParseStatus.Ok, new CallRowBuilder().Build(start, end, row));
            output.OnRow(row, 1, new RowSources(new(0, 0), new(0, 1), Complete: true));
            output.Flush();

            var line = Assert.Single(Split(stream.ToArray()));
            Assert.True(Utf8.IsValid(line));
            using var document = JsonDocument.Parse(line);
            var r = document.RootElement;
            Assert.Equal(opName, r.GetProperty("op_name").GetString());
            Assert.Equal(value, r.GetProperty("display_name").GetString());
            Assert.Equal(exception, r.GetProperty("exception").GetString());
            Assert.Equal(exception, r.GetProperty("trace_id").GetString());
            Assert.Equal(Encoding.UTF8.GetString(row.InputsDump), r.GetProperty("inputs_dump").GetString());
            Assert.Equal(RefStrings(row.InputRefs), Strings(r.GetProperty("input_refs")));
        }, iter: 2_000);
    }

    [Fact]
    public void Arbitrary_payload_bytes_give_a_valid_line_keeping_valid_utf8_exactly()
    {
        var bytes = Gen.OneOf(JsonlTextGen.Bytes, JsonlTextGen.UnicodeText.Select(s => Encoding.UTF8.GetBytes(s)));
        bytes.Sample(payload =>
        {
            using var stream = new MemoryStream();
            using var output = new JsonlJoinOutput(stream, StartTopic, EndTopic, leaveOpen: true);
            output.OnError(new JoinError("malformed_json", CallSide.End, new SourcePosition(0, 1), 0, 0, default, payload, payload));
            output.Flush();

            var line = Assert.Single(Split(stream.ToArray()));
            Assert.True(Utf8.IsValid(line));
            using var document = JsonDocument.Parse(line);
            var parsed = document.RootElement.GetProperty("payload").GetString()!;
            Assert.Equal(parsed, document.RootElement.GetProperty("call_id").GetString());
            if (Utf8.IsValid(payload))
            {
                Assert.Equal(payload, Encoding.UTF8.GetBytes(parsed));
            }
            else
            {
                // The same characters as a standard decoder keeps; runs of bad bytes give one U+FFFD, not one each.
                var decoded = Encoding.UTF8.GetString(payload);
                Assert.Equal(decoded.Replace("\uFFFD", "", StringComparison.Ordinal), parsed.Replace("\uFFFD", "", StringComparison.Ordinal));
                Assert.InRange(parsed.Count(c => c == '\uFFFD'), 1, decoded.Count(c => c == '\uFFFD'));
            }
        }, iter: 5_000);
    }

    [Fact]
    public void The_same_calls_give_the_same_bytes()
    {
        var first = WriteAllCases();
        var second = WriteAllCases();

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Lines_are_buffered_until_flushed_and_dispose_flushes_and_closes_unless_asked_not_to()
    {
        var row = JsonlTestCases.Calls[1].Build(new CallRowData());
        var stream = new MemoryStream();
        var output = new JsonlJoinOutput(stream, StartTopic, EndTopic);
        output.OnRow(row, 1, default);
        output.OnReleased(CallSide.Start, new SourcePosition(0, 9));
        Assert.Equal(0, stream.Length);
        output.Flush();
        var flushed = stream.Length;
        Assert.True(flushed > 0);
        output.OnRow(row, 1, default);
        output.Dispose();
        Assert.Equal(1, output.Released);
        Assert.False(stream.CanWrite); // disposed with the output
        Assert.Equal(2, Split(stream.ToArray()).Count);
        Assert.Throws<ObjectDisposedException>(() => output.OnRow(row, 1, default));

        using var kept = new MemoryStream();
        using (var leaving = new JsonlJoinOutput(kept, StartTopic, EndTopic, leaveOpen: true))
        {
            leaving.OnRow(row, 1, default);
        }

        Assert.True(kept.CanWrite);
        Assert.Single(Split(kept.ToArray()));
    }

    [Fact]
    public void Large_output_reaches_the_stream_in_chunks_before_any_flush()
    {
        var row = JsonlTestCases.Calls[0].Build(new CallRowData());
        using var stream = new MemoryStream();
        using var output = new JsonlJoinOutput(stream, StartTopic, EndTopic, leaveOpen: true);
        for (var i = 0; i < 2_000; i++)
        {
            output.OnRow(row, 1, default);
        }

        Assert.True(stream.Length > 0);
        output.Flush();
        Assert.Equal(2_000, Split(stream.ToArray()).Count);
    }

    [Fact]
    public void Rows_errors_and_released_halves_are_counted()
    {
        var row = JsonlTestCases.Calls[2].Build(new CallRowData());
        var error = JsonlTestCases.Errors[2];
        using var output = new JsonlJoinOutput(Stream.Null, StartTopic, EndTopic);
        for (var i = 0; i < 2_000; i++)
        {
            output.OnRow(row, i, default);
            output.OnError(error.ToJoinError());
        }

        // Allocation per row is measured by bench/CallJoin.Benchmarks (JsonlOutputBenchmarks), not here.
        for (var i = 0; i < 2_000; i++)
        {
            output.OnRow(row, i, default);
            output.OnError(error.ToJoinError());
            output.OnReleased(CallSide.End, default);
        }

        output.Flush();
        Assert.Equal((4_000, 4_000, 2_000), (output.Rows, output.Errors, output.Released));
    }

    private static byte[] WriteAllCases()
    {
        using var stream = new MemoryStream();
        using (var output = new JsonlJoinOutput(stream, JsonlTestCases.StartTopic, JsonlTestCases.EndTopic, leaveOpen: true) { MaxRowBytes = JsonlTestCases.MaxRowBytes })
        {
            JsonlTestCases.WriteAll(output);
        }

        return stream.ToArray();
    }

    /// <summary>A start (<paramref name="id"/> "s") or end message with the given string fields and inputs.</summary>
    private static byte[] Message(string id, (string Name, string Value)[] fields, string? inputs)
    {
        var text = new StringBuilder();
        text.Append(id == "s"
            ? """{"project_id":"p","id":"c","started_at":"2025-01-01T00:00:00Z","inputs":"""
            : """{"project_id":"p","id":"c","ended_at":"2025-01-01T00:00:01Z","inputs":""");
        text.Append(inputs ?? "null");
        foreach (var (name, value) in fields)
        {
            text.Append(",\"").Append(name).Append("\":").Append(Quote(value));
        }

        return Encoding.UTF8.GetBytes(text.Append('}').ToString());
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string Escape(string value) => Quote(value)[1..^1];

    private static string[] RefStrings(CallRefs refs) => [.. Enumerable.Range(0, refs.Count).Select(i => Encoding.UTF8.GetString(refs[i]))];

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
