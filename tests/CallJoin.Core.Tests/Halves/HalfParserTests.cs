using CallJoin.Core.Halves;
using static CallJoin.Core.Tests.Halves.Vectors;

namespace CallJoin.Core.Tests.Halves;

public class HalfParserTests
{
    private const string Start = """{"project_id":"p1","id":"c1","op_name":"weave-trace-internal:///p1/op/f:v","started_at":"2025-01-02T03:04:05.123456Z","attributes":{},"inputs":{"x":1}}""";
    private const string End = """{"project_id":"p1","id":"c1","ended_at":"2025-01-02T03:04:06.5Z","output":null,"summary":{}}""";

    private readonly HalfKey _key = new();

    [Fact]
    public void Reads_the_key_and_timestamp_of_a_start_and_an_end()
    {
        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(Utf8(Start), CallSide.Start, _key));
        Assert.Equal("p1", Text(_key.ProjectId));
        Assert.Equal("c1", Text(_key.Id));
        Assert.Equal(Micros("2025-01-02T03:04:05.123456Z"), _key.TimestampMicros);

        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(Utf8(End), CallSide.End, _key));
        Assert.Equal("c1", Text(_key.Id));
        Assert.Equal(Micros("2025-01-02T03:04:06.5Z"), _key.TimestampMicros);
        Assert.Equal(HalfField.None, _key.ErrorField);
    }

    [Theory]
    [InlineData(@"""started_at"":""2025-01-02T03:04:05Z"",", "2025-01-02T03:04:05Z")]
    [InlineData(@"""started_at"":null,", null)]
    [InlineData(@"""started_at"":""soon"",", null)]
    [InlineData(@"""started_at"":{""a"":[1]},", null)]
    [InlineData("", null)]
    public void Reads_an_ends_optional_started_at_as_a_hint_that_never_refuses_the_end(string field, string? expected)
    {
        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(Utf8("{" + field + End[1..]), CallSide.End, _key));
        Assert.Equal(expected is null ? 0 : Micros(expected), _key.EndStartedAtMicros);
        Assert.Equal(Micros("2025-01-02T03:04:06.5Z"), _key.TimestampMicros);

        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(Utf8(Start), CallSide.Start, _key));
        Assert.Equal(0, _key.EndStartedAtMicros);
    }

    [Theory]
    [InlineData(@"a\u0062c", "abc")]
    [InlineData(@"q\""d", "q\"d")]
    [InlineData(@"\u00e9\/\\", "é/\\")]
    [InlineData(@"\ud83d\ude00", "😀")]
    [InlineData("ünï", "ünï")]
    public void Unescapes_ids(string jsonId, string expected)
    {
        var payload = Utf8($$$"""{"project_id":"{{{jsonId}}}","id":"{{{jsonId}}}","ended_at":"2025-01-02T03:04:05Z"}""");
        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(payload, CallSide.End, _key));
        Assert.Equal(expected, Text(_key.ProjectId));
        Assert.Equal(expected, Text(_key.Id));
    }

    [Theory]
    [InlineData("2025-01-02T03:04:05.123456Z", "2025-01-02T03:04:05.1234560+00:00")]
    [InlineData("2025-01-02T03:04:05.123456+00:00", "2025-01-02T03:04:05.1234560+00:00")]
    [InlineData("2025-01-02T03:04:05Z", "2025-01-02T03:04:05+00:00")]
    [InlineData("2025-01-02T03:04:05", "2025-01-02T03:04:05+00:00")]
    [InlineData("2025-01-02T03:04:05.5", "2025-01-02T03:04:05.5+00:00")]
    [InlineData("2025-01-02T03:04:05.000001z", "2025-01-02T03:04:05.000001+00:00")]
    [InlineData("2025-01-02T03:04:05.123+02:00", "2025-01-02T01:04:05.123+00:00")]
    [InlineData("2025-01-02T03:04:05.123-05:30", "2025-01-02T08:34:05.123+00:00")]
    [InlineData("2025-01-02T03:04:05+0200", "2025-01-02T01:04:05+00:00")]
    [InlineData("2025-01-02T03:04:05-01", "2025-01-02T04:04:05+00:00")]
    [InlineData("2025-01-02 03:04:05Z", "2025-01-02T03:04:05+00:00")]
    [InlineData("2025-01-02T03:04Z", "2025-01-02T03:04:00+00:00")]
    [InlineData("2025-01-02T03:04:05.123456789Z", "2025-01-02T03:04:05.123456+00:00")]
    [InlineData("2024-02-29T23:59:59.999999Z", "2024-02-29T23:59:59.999999+00:00")]
    [InlineData("1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999+00:00")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00")]
    [InlineData("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00")]
    [InlineData("2025-01-01T00:30:00+01:00", "2024-12-31T23:30:00+00:00")]
    public void Converts_timestamps_to_utc_microseconds(string timestamp, string utc)
    {
        var payload = Utf8($$$"""{"project_id":"p","id":"i","started_at":"{{{timestamp}}}"}""");
        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(payload, CallSide.Start, _key));
        Assert.Equal(Micros(utc), _key.TimestampMicros);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2025-01-02")]
    [InlineData("2025-01-02T03")]
    [InlineData("2025-13-02T03:04:05Z")]
    [InlineData("2025-00-02T03:04:05Z")]
    [InlineData("2025-02-29T03:04:05Z")]
    [InlineData("2025-04-31T03:04:05Z")]
    [InlineData("2025-01-02T24:00:00Z")]
    [InlineData("2025-01-02T03:60:05Z")]
    [InlineData("2025-01-02T03:04:60Z")]
    [InlineData("0000-01-02T03:04:05Z")]
    [InlineData("2025-01-02T03:04:05.Z")]
    [InlineData("2025-01-02T03:04:05.1234567890Z")]
    [InlineData("2025-01-02T03:04:05+24:00")]
    [InlineData("2025-01-02T03:04:05+01:60")]
    [InlineData("2025-01-02T03:04:05+1")]
    [InlineData("2025-01-02T03:04:05 UTC")]
    [InlineData("2025-01-02T03:04:05ZZ")]
    [InlineData("2025/01/02T03:04:05Z")]
    [InlineData("yesterday")]
    [InlineData("１２３４-01-02T03:04:05Z")]
    public void Rejects_bad_timestamps_with_the_field(string timestamp)
    {
        var payload = Utf8($$$"""{"project_id":"p","id":"i","ended_at":"{{{timestamp}}}"}""");
        Assert.Equal(HalfParseStatus.BadTimestamp, HalfParser.TryReadKey(payload, CallSide.End, _key));
        Assert.Equal(HalfField.EndedAt, _key.ErrorField);
        Assert.Equal("bad_timestamp:ended_at", _key.Reason(HalfParseStatus.BadTimestamp));
    }

    [Theory]
    [InlineData("", "malformed_json")]
    [InlineData("   ", "malformed_json")]
    [InlineData("{", "malformed_json")]
    [InlineData("}", "malformed_json")]
    [InlineData("{\"project_id\":\"p\",}", "malformed_json")]
    [InlineData("{\"project_id\" \"p\"}", "malformed_json")]
    [InlineData("{\"project_id\":\"p\"}}", "malformed_json")]
    [InlineData("{\"project_id\":\"p\"} {}", "malformed_json")]
    [InlineData("{\"project_id\":\"p\"} x", "malformed_json")]
    [InlineData("{\"project_id\":'p'}", "malformed_json")]
    [InlineData("{\"a\":NaN}", "malformed_json")]
    [InlineData("{\"a\":Infinity}", "malformed_json")]
    [InlineData("{\"a\":-Infinity}", "malformed_json")]
    [InlineData("{\"a\":01}", "malformed_json")]
    [InlineData("{\"a\":1.}", "malformed_json")]
    [InlineData("{\"a\":\"\\x\"}", "malformed_json")]
    [InlineData("{\"a\":\"\\u12\"}", "malformed_json")]
    [InlineData("{\"a\":\"tab\there\"}", "malformed_json")]
    [InlineData("{/* c */\"a\":1}", "malformed_json")]
    [InlineData("{\"a\":[1,2,]}", "malformed_json")]
    [InlineData("{\"a\":\"unterminated}", "malformed_json")]
    [InlineData("[1,2]", "not_an_object")]
    [InlineData("\"text\"", "not_an_object")]
    [InlineData("null", "not_an_object")]
    [InlineData("42", "not_an_object")]
    [InlineData(" [1,", "malformed_json")]
    [InlineData("{\"started_at\":\"2025-01-02T03:04:05Z\",\"id\":\"i\"}", "missing_field:project_id")]
    [InlineData("{\"project_id\":null,\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\"}", "missing_field:project_id")]
    [InlineData("{\"project_id\":\"\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\"}", "missing_field:project_id")]
    [InlineData("{\"project_id\":\"p\",\"started_at\":\"2025-01-02T03:04:05Z\"}", "missing_field:id")]
    [InlineData("{\"project_id\":\"p\",\"id\":null,\"started_at\":\"2025-01-02T03:04:05Z\"}", "missing_field:id")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\"}", "missing_field:started_at")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":null}", "missing_field:started_at")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"ended_at\":\"2025-01-02T03:04:05Z\"}", "missing_field:started_at")]
    [InlineData("{\"project_id\":1,\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\"}", "wrong_type:project_id")]
    [InlineData("{\"project_id\":\"p\",\"id\":[\"i\"],\"started_at\":\"2025-01-02T03:04:05Z\"}", "wrong_type:id")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":17}", "wrong_type:started_at")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"inputs\":[]}", "wrong_type:inputs")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"attributes\":\"a\"}", "wrong_type:attributes")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"otel_dump\":1}", "wrong_type:otel_dump")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"display_name\":5}", "wrong_type:display_name")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"op_name\":{}}", "wrong_type:op_name")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"wb_run_step\":-1}", "wrong_type:wb_run_step")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"wb_run_step\":1.5}", "wrong_type:wb_run_step")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"wb_run_step\":\"3\"}", "wrong_type:wb_run_step")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"wb_run_step\":18446744073709551616}", "wrong_type:wb_run_step")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"inputs\":[],\"x\":}", "malformed_json")]
    [InlineData("{\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\",\"inputs\":[]}", "wrong_type:inputs")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"bad\",\"inputs\":[]}", "bad_timestamp:started_at")]
    public void Start_errors_have_precise_reasons(string payload, string reason)
    {
        var status = HalfParser.TryReadKey(Utf8(payload), CallSide.Start, _key);
        Assert.NotEqual(HalfParseStatus.Ok, status);
        Assert.Equal(reason, _key.Reason(status));
    }

    [Theory]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\"}", "missing_field:ended_at")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"started_at\":\"2025-01-02T03:04:05Z\"}", "missing_field:ended_at")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"ended_at\":\"2025-01-02T03:04:05Z\",\"summary\":[]}", "wrong_type:summary")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"ended_at\":\"2025-01-02T03:04:05Z\",\"exception\":{}}", "wrong_type:exception")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"i\",\"ended_at\":\"2025-01-02T03:04:05Z\",\"wb_run_step_end\":true}", "wrong_type:wb_run_step_end")]
    public void End_errors_have_precise_reasons(string payload, string reason)
    {
        var status = HalfParser.TryReadKey(Utf8(payload), CallSide.End, _key);
        Assert.Equal(reason, _key.Reason(status));
    }

    [Theory]
    [InlineData(CallSide.Start, """{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","output":5,"summary":[],"ended_at":1}""")]
    [InlineData(CallSide.End, """{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:05Z","inputs":[],"started_at":"garbage"}""")]
    [InlineData(CallSide.End, """{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:05Z","output":[1,{"a":[null]}],"unknown":{"deep":[[[]]]}}""")]
    [InlineData(CallSide.Start, """{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","display_name":null,"otel_dump":null,"wb_run_step":null}""")]
    [InlineData(CallSide.Start, """ {"project_id" : "p" , "id":"i",  "started_at":"2025-01-02T03:04:05Z"}  """)]
    [InlineData(CallSide.Start, """{"project\u005fid":"p","\u0069d":"i","started_at":"2025-01-02T03:04:05Z"}""")]
    public void Ignores_unknown_fields_and_the_other_sides_fields(CallSide side, string payload)
    {
        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(Utf8(payload), side, _key));
        Assert.Equal("p", Text(_key.ProjectId));
        Assert.Equal("i", Text(_key.Id));
    }

    [Fact]
    public void A_repeated_field_counts_with_its_last_value()
    {
        var payload = Utf8("""{"project_id":"p","id":"first","id":"second","started_at":"2025-01-02T03:04:05Z","started_at":"2025-01-02T03:04:06Z"}""");
        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(payload, CallSide.Start, _key));
        Assert.Equal("second", Text(_key.Id));
        Assert.Equal(Micros("2025-01-02T03:04:06Z"), _key.TimestampMicros);
    }

    [Fact]
    public void Rejects_invalid_utf8()
    {
        byte[] payload = [.. Utf8("{\"project_id\":\"p\",\"id\":\"i"), 0xFF, .. Utf8("\",\"started_at\":\"2025-01-02T03:04:05Z\"}")];
        Assert.Equal(HalfParseStatus.MalformedJson, HalfParser.TryReadKey(payload, CallSide.Start, _key));

        byte[] truncated = [.. Utf8("{\"project_id\":\"p\",\"id\":\"i"), 0xC3, .. Utf8("\",\"started_at\":\"2025-01-02T03:04:05Z\"}")];
        Assert.Equal(HalfParseStatus.MalformedJson, HalfParser.TryReadKey(truncated, CallSide.Start, _key));
    }

    [Fact]
    public void Accepts_deep_nesting_up_to_the_limit_and_rejects_beyond()
    {
        static byte[] Nested(int depth) => Utf8(
            """{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"a":"""
            + new string('[', depth) + new string(']', depth) + "}}");

        // The payload object and inputs are two levels; the arrays fill the rest.
        Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(Nested(HalfParser.MaxDepth - 2), CallSide.Start, _key));
        Assert.Equal(HalfParseStatus.MalformedJson, HalfParser.TryReadKey(Nested(HalfParser.MaxDepth), CallSide.Start, _key));
    }

    [Fact]
    public void A_failure_keeps_what_was_read_and_the_next_read_starts_clean()
    {
        var status = HalfParser.TryReadKey(Utf8("""{"project_id":"p","id":"i","started_at":"nope"}"""), CallSide.Start, _key);
        Assert.Equal(HalfParseStatus.BadTimestamp, status);
        Assert.Equal("p", Text(_key.ProjectId));
        Assert.Equal("i", Text(_key.Id));

        Assert.Equal(HalfParseStatus.MalformedJson, HalfParser.TryReadKey(Utf8("{"), CallSide.Start, _key));
        Assert.True(_key.ProjectId.IsEmpty);
        Assert.Equal(HalfField.None, _key.ErrorField);
    }

    [Theory]
    [InlineData(HalfParseStatus.Ok, HalfField.None, "ok")]
    [InlineData(HalfParseStatus.MalformedJson, HalfField.None, "malformed_json")]
    [InlineData(HalfParseStatus.NotAnObject, HalfField.None, "not_an_object")]
    [InlineData(HalfParseStatus.MissingProjectId, HalfField.ProjectId, "missing_field:project_id")]
    [InlineData(HalfParseStatus.MissingId, HalfField.Id, "missing_field:id")]
    [InlineData(HalfParseStatus.MissingTimestamp, HalfField.StartedAt, "missing_field:started_at")]
    [InlineData(HalfParseStatus.MissingTimestamp, HalfField.EndedAt, "missing_field:ended_at")]
    [InlineData(HalfParseStatus.BadTimestamp, HalfField.StartedAt, "bad_timestamp:started_at")]
    [InlineData(HalfParseStatus.WrongType, HalfField.Inputs, "wrong_type:inputs")]
    [InlineData(HalfParseStatus.WrongType, HalfField.WbRunStepEnd, "wrong_type:wb_run_step_end")]
    [InlineData(HalfParseStatus.KeyMismatch, HalfField.Id, "key_mismatch")]
    public void Reason_texts_are_stable(HalfParseStatus status, HalfField field, string expected)
    {
        Assert.Equal(expected, HalfParser.ReasonText(status, field));
        Assert.Same(HalfParser.ReasonText(status, field), HalfParser.ReasonText(status, field));
    }

    private static long Micros(string iso) =>
        (DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
