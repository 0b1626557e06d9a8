using CallJoin.Core.Halves;
using static CallJoin.Core.Tests.Halves.Vectors;

namespace CallJoin.Core.Tests.Halves;

public class CallRowBuilderTests
{
    private const string FullStart = """
        {"project_id":"UHJvamVjdDox","id":"0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f","op_name":"weave-trace-internal:///UHJvamVjdDox/op/predict:abc","display_name":"Pr\u00e9dict \"one\"","trace_id":"0197c3a2-0000-7000-8000-000000000001","parent_id":"0197c3a2-0000-7000-8000-000000000002","thread_id":"t-1","turn_id":"turn-1","started_at":"2025-06-01T12:00:00.250000+02:00","attributes":{"weave":{"client_version":"0.51.0","os":"linux"},"n":1.0},"inputs":{"self":"weave-trace-internal:///UHJvamVjdDox/object/Model:v1","text":"h\u00e9llo\n","k":[1,2.50,{"deep":"wandb-artifact:///e/p/a"}]},"otel_dump":{"span":{"name":"x"}},"wb_user_id":"VXNlcjox","wb_run_id":"run-7","wb_run_step":42}
        """;

    private const string FullEnd = """
        {"project_id":"UHJvamVjdDox","id":"0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f","ended_at":"2025-06-01T10:00:01.5Z","exception":"ValueError: bad","output":{"answer":"weave-trace-internal:///UHJvamVjdDox/call/0197","score":1e-7},"summary":{"usage":{"gpt-4o":{"requests":1,"prompt_tokens":12}}},"wb_run_step_end":43,"started_at":"2025-06-01T10:00:00.25Z"}
        """;

    private readonly CallRowBuilder _builder = new();
    private readonly CallRowData _row = new();

    [Fact]
    public void Builds_a_complete_row_from_a_start_and_its_end()
    {
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(Utf8(FullStart), Utf8(FullEnd), _row));

        Assert.Equal("UHJvamVjdDox", Text(_row.ProjectId));
        Assert.Equal("0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f", Text(_row.Id));
        Assert.Equal("weave-trace-internal:///UHJvamVjdDox/op/predict:abc", Text(_row.OpName));
        Assert.Equal("Prédict \"one\"", Text(_row.DisplayName));
        Assert.Equal("0197c3a2-0000-7000-8000-000000000001", Text(_row.TraceId));
        Assert.Equal("0197c3a2-0000-7000-8000-000000000002", Text(_row.ParentId));
        Assert.Equal("t-1", Text(_row.ThreadId));
        Assert.Equal("turn-1", Text(_row.TurnId));
        Assert.Equal("VXNlcjox", Text(_row.WbUserId));
        Assert.Equal("run-7", Text(_row.WbRunId));
        Assert.Equal("ValueError: bad", Text(_row.Exception));
        Assert.Equal(Micros(2025, 6, 1, 10, 0, 0, 250_000), _row.StartedAtMicros);
        Assert.Equal(Micros(2025, 6, 1, 10, 0, 1, 500_000), _row.EndedAtMicros);
        Assert.Equal(42UL, _row.WbRunStep);
        Assert.Equal(43UL, _row.WbRunStepEnd);

        Assert.Equal("""{"weave": {"client_version": "0.51.0", "os": "linux"}, "n": 1.0}""", Text(_row.AttributesDump));
        Assert.Equal("""{"self": "weave-trace-internal:///UHJvamVjdDox/object/Model:v1", "text": "h\u00e9llo\n", "k": [1, 2.5, {"deep": "wandb-artifact:///e/p/a"}]}""", Text(_row.InputsDump));
        Assert.Equal("""{"answer": "weave-trace-internal:///UHJvamVjdDox/call/0197", "score": 1e-07}""", Text(_row.OutputDump));
        Assert.Equal("""{"usage": {"gpt-4o": {"requests": 1, "prompt_tokens": 12}}}""", Text(_row.SummaryDump));
        Assert.Equal("""{"span": {"name": "x"}}""", Text(_row.OtelDump));

        Assert.Equal(["weave-trace-internal:///UHJvamVjdDox/object/Model:v1", "wandb-artifact:///e/p/a"], Refs(_row.InputRefs));
        Assert.Equal(["weave-trace-internal:///UHJvamVjdDox/call/0197"], Refs(_row.OutputRefs));
        Assert.Equal(0, _row.DumpsReplaced);
    }

    [Fact]
    public void Builds_a_running_row_from_a_start_alone()
    {
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(Utf8(FullStart), default, _row));

        Assert.Equal(Micros(2025, 6, 1, 10, 0, 0, 250_000), _row.StartedAtMicros);
        Assert.Equal(0, _row.EndedAtMicros);
        Assert.Equal("null", Text(_row.OutputDump));
        Assert.Equal("{}", Text(_row.SummaryDump));
        Assert.True(_row.Exception.IsEmpty);
        Assert.Equal(0UL, _row.WbRunStepEnd);
        Assert.Equal(0, _row.OutputRefs.Count);
        Assert.Equal(2, _row.InputRefs.Count);
        Assert.Equal(42UL, _row.WbRunStep);
    }

    [Fact]
    public void Absent_and_null_optional_fields_get_the_tables_sentinels()
    {
        const string start = """{"project_id":"p","id":"i","op_name":"op","started_at":"2025-01-02T03:04:05Z"}""";
        const string end = """{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z"}""";
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(Utf8(start), Utf8(end), _row));
        AssertSentinels();

        const string nullStart = """{"project_id":"p","id":"i","op_name":"op","display_name":null,"trace_id":null,"parent_id":null,"thread_id":null,"turn_id":null,"started_at":"2025-01-02T03:04:05Z","attributes":null,"inputs":null,"otel_dump":null,"wb_user_id":null,"wb_run_id":null,"wb_run_step":null}""";
        const string nullEnd = """{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","exception":null,"output":null,"summary":null,"wb_run_step_end":null}""";
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(Utf8(nullStart), Utf8(nullEnd), _row));
        AssertSentinels();

        void AssertSentinels()
        {
            Assert.Equal("op", Text(_row.OpName));
            foreach (var empty in new[] { _row.DisplayName.ToArray(), _row.TraceId.ToArray(), _row.ParentId.ToArray(), _row.ThreadId.ToArray(),
                _row.TurnId.ToArray(), _row.Exception.ToArray(), _row.OtelDump.ToArray(), _row.WbUserId.ToArray(), _row.WbRunId.ToArray() })
            {
                Assert.Empty(empty);
            }

            Assert.Equal("{}", Text(_row.AttributesDump));
            Assert.Equal("{}", Text(_row.InputsDump));
            Assert.Equal("null", Text(_row.OutputDump));
            Assert.Equal("{}", Text(_row.SummaryDump));
            Assert.Equal(0UL, _row.WbRunStep);
            Assert.Equal(0UL, _row.WbRunStepEnd);
            Assert.Equal(Micros(2025, 1, 2, 3, 4, 6, 0), _row.EndedAtMicros);
        }
    }

    [Theory]
    [InlineData("\"text\"", "\"text\"")]
    [InlineData("[]", "[]")]
    [InlineData("0", "0")]
    [InlineData("-0.0", "-0.0")]
    [InlineData("1E2", "100.0")]
    [InlineData("false", "false")]
    [InlineData("{\"a\":1,\"a\":2}", "{\"a\": 2}")]
    [InlineData("\"\\u00e9\\ud83d\\ude00\u00e9\"", "\"\\u00e9\\ud83d\\ude00\\u00e9\"")]
    public void Output_may_be_any_value(string output, string dump)
    {
        var end = Utf8($$$"""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":{{{output}}}}""");
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(Utf8("""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z"}"""), end, _row));
        Assert.Equal(dump, Text(_row.OutputDump));
    }

    [Fact]
    public void The_row_keeps_the_starts_started_at_and_ignores_the_ends()
    {
        var start = Utf8("""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05.000001Z"}""");
        var end = Utf8("""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","started_at":"1999-01-01T00:00:00Z"}""");
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(start, end, _row));
        Assert.Equal(Micros(2025, 1, 2, 3, 4, 5, 1), _row.StartedAtMicros);
    }

    [Theory]
    [InlineData("""{"project_id":"p","id":"j","ended_at":"2025-01-02T03:04:06Z"}""", HalfParseStatus.KeyMismatch, "key_mismatch")]
    [InlineData("""{"project_id":"q","id":"i","ended_at":"2025-01-02T03:04:06Z"}""", HalfParseStatus.KeyMismatch, "key_mismatch")]
    [InlineData("""{"project_id":"p","id":"i"}""", HalfParseStatus.MissingTimestamp, "missing_field:ended_at")]
    [InlineData("""{"project_id":"p","ended_at":"2025-01-02T03:04:06Z"}""", HalfParseStatus.MissingId, "missing_field:id")]
    [InlineData("""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","summary":[1]}""", HalfParseStatus.WrongType, "wrong_type:summary")]
    [InlineData("""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":123456789012345678901234567890e}""", HalfParseStatus.MalformedJson, "malformed_json")]
    [InlineData("""[]""", HalfParseStatus.NotAnObject, "not_an_object")]
    public void A_bad_end_fails_the_build_and_says_so(string end, HalfParseStatus status, string reason)
    {
        var start = Utf8("""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z"}""");
        Assert.Equal(status, _builder.Build(start, Utf8(end), _row));
        Assert.Equal(CallSide.End, _builder.ErrorSide);
        Assert.Equal(reason, _builder.Reason(status));
    }

    [Fact]
    public void Python_cannot_print_integers_of_more_than_4300_digits()
    {
        var start = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"n":{{{new string('7', 4301)}}}}}""");
        Assert.Equal(HalfParseStatus.MalformedJson, _builder.Build(start, default, _row));
        Assert.Equal(CallSide.Start, _builder.ErrorSide);
        Assert.Equal("malformed_json", _builder.Reason(HalfParseStatus.MalformedJson));

        var fits = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"n":{{{new string('7', 4300)}}}}}""");
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(fits, default, _row));
    }

    [Fact]
    public void A_bad_start_fails_the_build()
    {
        Assert.Equal(HalfParseStatus.MissingTimestamp, _builder.Build(Utf8("""{"project_id":"p","id":"i"}"""), default, _row));
        Assert.Equal(CallSide.Start, _builder.ErrorSide);
        Assert.Equal("missing_field:started_at", _builder.Reason(HalfParseStatus.MissingTimestamp));
        Assert.Equal(HalfParseStatus.MalformedJson, _builder.Build(default, default, _row));
    }

    [Fact]
    public void Repeated_top_level_fields_count_with_their_last_value()
    {
        var start = Utf8("""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"r":"weave-trace-internal:///p/call/1"},"display_name":"a","inputs":{"s":"x"},"display_name":"b"}""");
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(start, default, _row));
        Assert.Equal("""{"s": "x"}""", Text(_row.InputsDump));
        Assert.Equal(0, _row.InputRefs.Count);
        Assert.Equal("b", Text(_row.DisplayName));
    }

    [Fact]
    public void A_reused_row_keeps_nothing_from_the_previous_build()
    {
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(Utf8(FullStart), Utf8(FullEnd), _row));
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(Utf8("""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z"}"""), default, _row));

        Assert.Equal("p", Text(_row.ProjectId));
        Assert.True(_row.DisplayName.IsEmpty);
        Assert.True(_row.OtelDump.IsEmpty);
        Assert.Equal("{}", Text(_row.InputsDump));
        Assert.Equal(0, _row.InputRefs.Count);
        Assert.Equal(0, _row.OutputRefs.Count);
        Assert.Equal(0UL, _row.WbRunStep);
        Assert.Equal(0, _row.EndedAtMicros);
    }

    internal static string[] Refs(CallRefs refs)
    {
        var list = new string[refs.Count];
        for (int i = 0; i < list.Length; i++)
        {
            list[i] = Text(refs[i]);
        }

        return list;
    }

    private static long Micros(int year, int month, int day, int hour, int minute, int second, int micro) =>
        ((new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / 10) + micro;
}
