using CallJoin.Core.Halves;
using static CallJoin.Core.Tests.Halves.Vectors;

namespace CallJoin.Core.Tests.Halves;

/// <summary><see cref="CallRowBuilder.Complete"/>: a running row plus its end gives exactly the row the build of both gives.</summary>
public class CallRowCompletionTests
{
    private const string Start = """
        {"project_id":"UHJvamVjdDox","id":"0197c3a2-5b7e","op_name":"weave:///e/p/op/predict:abc","display_name":"Pr\u00e9dict \"one\" \ud83d\ude80","trace_id":"t-1","parent_id":"p-1","thread_id":"th","turn_id":"tu","started_at":"2025-06-01T12:00:00.250001+02:00","attributes":{"weave":{"os":"linux"},"n":1.0},"inputs":{"self":"weave-trace-internal:///UHJvamVjdDox/object/Model:v1","k":[1,2.50,{"deep":"wandb-artifact:///e/p/a"}],"again":"weave-trace-internal:///UHJvamVjdDox/object/Model:v1"},"otel_dump":{"span":{"name":"x"}},"wb_user_id":"VXNlcjox","wb_run_id":"run-7","wb_run_step":42}
        """;

    private const string End = """
        {"project_id":"UHJvamVjdDox","id":"0197c3a2-5b7e","ended_at":"2025-06-01T10:00:01.5Z","exception":"ValueError: bad","output":{"answer":"weave-trace-internal:///UHJvamVjdDox/call/0197","score":1e-7},"summary":{"usage":{"m":{"requests":1}}},"wb_run_step_end":43,"started_at":"2025-06-01T10:00:00.25Z"}
        """;

    private const string MinimalStart = """{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z"}""";

    private const string MinimalEnd = """{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z"}""";

    private readonly CallRowData _running = new();
    private readonly CallRowData _stored = new();
    private readonly CallRowData _expected = new();
    private readonly CallRowData _completed = new();

    [Theory]
    [InlineData(Start, End)]
    [InlineData(MinimalStart, MinimalEnd)]
    [InlineData(MinimalStart, """{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":null,"summary":null,"exception":null}""")]
    [InlineData(Start, """{"project_id":"UHJvamVjdDox","id":"0197c3a2-5b7e","ended_at":"2025-06-01T09:00:00Z","output":["weave:///e/p/object/o:1","weave:///e/p/object/o:1"]}""")]
    public void Completing_the_stored_running_row_gives_the_row_built_from_both_halves(string start, string end)
    {
        var builder = new CallRowBuilder();
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(start), Utf8(end), _expected));
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(start), default, _running));
        CallRowAssert.CopyAsStored(_running, _stored);

        Assert.Equal(HalfParseStatus.Ok, builder.Complete(_stored, Utf8(end), _completed, out var lost));

        Assert.False(lost);
        CallRowAssert.Same(_expected, _completed, "call");
    }

    [Fact]
    public void The_row_may_be_the_running_row_itself()
    {
        var builder = new CallRowBuilder();
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(Start), Utf8(End), _expected));
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(Start), default, _running));

        Assert.Equal(HalfParseStatus.Ok, builder.Complete(_running, Utf8(End), _running, out _));

        CallRowAssert.Same(_expected, _running, "call");
    }

    [Fact]
    public void An_end_that_makes_the_row_oversize_replaces_what_the_build_replaces()
    {
        // inputs 60 B + output 30 B + attributes/summary 2 B each: the running row fits 80 B, the complete row does not.
        var builder = new CallRowBuilder(maxDumpBytes: 80);
        var start = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"s":"{{{new string('x', 51)}}}"}}""");
        var end = Utf8($$$"""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":"{{{new string('y', 28)}}}"}""");
        Assert.Equal(HalfParseStatus.Ok, builder.Build(start, end, _expected));
        Assert.Equal(1, _expected.DumpsReplaced);
        Assert.Equal(HalfParseStatus.Ok, builder.Build(start, default, _running));
        Assert.Equal(0, _running.DumpsReplaced);
        CallRowAssert.CopyAsStored(_running, _stored);

        Assert.Equal(HalfParseStatus.Ok, builder.Complete(_stored, end, _completed, out var lost));

        Assert.False(lost);
        CallRowAssert.Same(_expected, _completed, "call");
    }

    [Fact]
    public void A_running_row_that_already_carries_the_marker_is_reported_as_lost()
    {
        var builder = new CallRowBuilder(maxDumpBytes: 50);
        var start = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"s":"{{{new string('x', 51)}}}"}}""");
        Assert.Equal(HalfParseStatus.Ok, builder.Build(start, default, _running));
        CallRowAssert.CopyAsStored(_running, _stored);
        Assert.Equal(0, _stored.DumpsReplaced);
        Assert.True(CallRowBuilder.CarriesDumpMarker(_stored));

        Assert.Equal(HalfParseStatus.Ok, builder.Complete(_stored, Utf8(MinimalEnd), _completed, out var lost));

        Assert.True(lost);
        Assert.Equal(Text(CallRowBuilder.DumpMarker), Text(_completed.InputsDump));
        Assert.Equal(1, _completed.DumpsReplaced);
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(MinimalStart), default, _running));
        Assert.False(CallRowBuilder.CarriesDumpMarker(_running));
    }

    [Fact]
    public void Stray_end_values_in_the_running_row_do_not_survive()
    {
        var builder = new CallRowBuilder();
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(MinimalStart), Utf8(MinimalEnd), _expected));
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(MinimalStart), Utf8(End.Replace("UHJvamVjdDox", "p").Replace("0197c3a2-5b7e", "i")), _running));

        Assert.Equal(HalfParseStatus.Ok, builder.Complete(_running, Utf8(MinimalEnd), _completed, out _));

        CallRowAssert.Same(_expected, _completed, "call");
    }

    [Fact]
    public void An_end_of_another_call_or_a_bad_end_fails_as_the_build_would()
    {
        var builder = new CallRowBuilder();
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Utf8(MinimalStart), default, _running));

        Assert.Equal(HalfParseStatus.KeyMismatch, builder.Complete(_running, Utf8(MinimalEnd.Replace("\"i\"", "\"j\"")), _completed, out _));
        Assert.Equal(builder.Build(Utf8(MinimalStart), Utf8("""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":"""), _expected),
            builder.Complete(_running, Utf8("""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":"""), _completed, out _));
        Assert.Equal(HalfParseStatus.MissingTimestamp, builder.Complete(_running, Utf8("""{"project_id":"p","id":"i"}"""), _completed, out _));
        Assert.Equal(CallSide.End, builder.ErrorSide);
        Assert.Equal(HalfField.EndedAt, builder.ErrorField);
        Assert.Equal(HalfParseStatus.MalformedJson, builder.Complete(_running, default, _completed, out _));
    }

    [Fact]
    public void Only_text_columns_can_be_set()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _stored.Set(HalfField.StartedAt, "1"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => _stored.Set(HalfField.None, "1"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => _stored.Set((HalfField)99, "1"u8));
        _stored.Set(HalfField.Inputs, """{"a": 1}"""u8);
        Assert.Equal("""{"a": 1}""", Text(_stored.InputsDump));
    }
}
