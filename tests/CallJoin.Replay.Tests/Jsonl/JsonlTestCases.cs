using System.Text;
using CallJoin.Core;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>Where a test call's halves were read (a <see cref="RowSources"/> cannot be stored).</summary>
internal readonly record struct TestSources(SourcePosition Start, SourcePosition End, bool Complete);

/// <summary>One call to build into a row: its messages, version and sources, and the builder's dump limit.</summary>
internal sealed record TestCall(string Start, string? End, long CreatedAtMillis, TestSources Sources, int MaxDumpBytes = CallRowBuilder.DefaultMaxDumpBytes)
{
    /// <summary>The sources with the raw halves, as the join engine passes them.</summary>
    public RowSources RowSources() => new(Sources.Start, Sources.End, Sources.Complete)
    {
        StartHalf = Encoding.UTF8.GetBytes(Start),
        EndHalf = End is null ? default : Encoding.UTF8.GetBytes(End),
    };

    /// <summary>Builds the row into <paramref name="row"/> through the real row builder.</summary>
    public CallRowData Build(CallRowData row)
    {
        var status = new CallRowBuilder(MaxDumpBytes).Build(
            Encoding.UTF8.GetBytes(Start), End is null ? default : Encoding.UTF8.GetBytes(End), row);
        return status == HalfParseStatus.Ok ? row : throw new InvalidOperationException($"{Start}: {status}");
    }
}

/// <summary>One error record's parts (a <see cref="JoinError"/> cannot be stored).</summary>
internal sealed record TestError(string Reason, CallSide Side, SourcePosition Position, long TimestampMillis, long AtMillis, byte[] ProjectId, byte[] Id, byte[] Payload)
{
    public JoinError ToJoinError() => new(Reason, Side, Position, TimestampMillis, AtMillis, ProjectId, Id, Payload);
}

/// <summary>Varied calls and error records that exercise every column type and every escaping rule.</summary>
internal static class JsonlTestCases
{
    /// <summary>The row limit the cases use for both the sink and the JSONL output (row-10 exceeds it).</summary>
    public const int MaxRowBytes = 4_000;

    public static string StartTopic => WeaveTopics.CallStarted;

    public static string EndTopic => WeaveTopics.CallEnded;

    /// <summary>Calls with ids row-01 … row-10 (ascending in insertion order); row-10 is above <see cref="MaxRowBytes"/>.</summary>
    public static IReadOnlyList<TestCall> Calls { get; } =
    [
        // Everything present: refs in inputs and output, exception with quotes and a slash, wb_run_step(_end).
        new(
            """{"project_id":"proj/main","id":"row-01","op_name":"weave:///proj/op/predict:v3","display_name":"Predict","trace_id":"trace-1","parent_id":"parent-0","thread_id":"thread-1","turn_id":"turn-1","started_at":"2025-03-04T05:06:07.123456Z","attributes":{"weave":{"client_version":"0.51"},"tags":["a","b"]},"inputs":{"model":"weave-trace-internal:///proj/object/Model:abc","user_ref":"weave:///proj/object/Model:abc","n":3,"xs":[1.5,2,"weave-trace-internal:///proj/object/Data:v1"]},"otel_dump":{"span":{"name":"x"}},"wb_user_id":"user-1","wb_run_id":"proj/run-1","wb_run_step":7}""",
            """{"project_id":"proj/main","id":"row-01","ended_at":"2025-03-04T05:06:09.5Z","exception":"ValueError: bad \"quote\" / slash \u0085","output":{"answer":"weave-trace-internal:///proj/object/Answer:v2","score":0.25},"summary":{"usage":{"gpt":{"tokens":12}}},"wb_run_step_end":9}""",
            1_741_064_769_500, new(new(0, 1), new(0, 2), Complete: true)),
        // A running row: ended_at sentinel, output null, summary {}.
        new(
            """{"project_id":"proj/main","id":"row-02","op_name":"op","started_at":"2025-03-04T05:06:07Z"}""",
            null, 1_741_064_767_000, new(new(0, 3), default, Complete: false)),
        // Quotes, backslashes, slashes, control characters, DEL, U+2028/9, raw non-ASCII in plain strings and dumps.
        new(
            """{"project_id":"proj/main","id":"row-03","op_name":"op/é€😀\u2028\u2029\u0001\u001f\u007f\t\n\r\b\f\"\\\/","display_name":"naïve “quotes” 中文 \u0000","trace_id":"t","started_at":"2025-03-04T05:06:07.000001+00:00","inputs":{"text":"é€😀 \u0000 \u2028 </script> \"q\" \\ /","k\u00e9y":null},"attributes":{"ctl":"\u0007\u001b"}}""",
            """{"project_id":"proj/main","id":"row-03","ended_at":"2025-03-04T05:06:08Z","output":"line1\nline2\ttab","summary":{}}""",
            1_741_064_768_000, new(new(1, 1), new(1, 2), Complete: true)),
        // Two dumps replaced by the oversize marker (a builder limit of 200 bytes).
        new(
            $$$"""{"project_id":"proj/main","id":"row-04","op_name":"op","started_at":"2025-03-04T05:06:07Z","inputs":{"big":"{{{new string('x', 300)}}}"}}""",
            $$$"""{"project_id":"proj/main","id":"row-04","ended_at":"2025-03-04T05:06:08Z","output":"{{{new string('y', 250)}}}"}""",
            1_741_064_768_000, new(new(1, 3), new(1, 4), Complete: true), MaxDumpBytes: 200),
        // No wb_run_step; the largest wb_run_step_end.
        new(
            """{"project_id":"proj/main","id":"row-05","op_name":"op","started_at":"2025-03-04T05:06:07Z"}""",
            """{"project_id":"proj/main","id":"row-05","ended_at":"2025-03-04T05:06:08Z","wb_run_step_end":18446744073709551615}""",
            1_741_064_768_000, new(new(2, 1), new(2, 2), Complete: true)),
        // Before the epoch, with a version before it too.
        new(
            """{"project_id":"proj/main","id":"row-06","op_name":"op","started_at":"1969-07-20T20:17:40.123456Z"}""",
            """{"project_id":"proj/main","id":"row-06","ended_at":"1969-07-20T20:18:00Z"}""",
            -1, new(new(2, 3), new(2, 4), Complete: true)),
        // Outside years 1-9999 once the offset is applied: year 0 and a clamped end.
        new(
            """{"project_id":"proj/main","id":"row-07","op_name":"op","started_at":"0001-01-01T00:00:00+00:01"}""",
            """{"project_id":"proj/main","id":"row-07","ended_at":"9999-12-31T23:59:59.5-01:00"}""",
            1_741_064_768_000, new(new(2, 5), new(2, 6), Complete: true)),
        // A lone surrogate escape (kept as WTF-8 by the join: not valid UTF-8) beside a valid pair.
        new(
            """{"project_id":"proj/main","id":"row-08","op_name":"pair \ud83d\ude00","display_name":"lone \ud800 here","started_at":"2025-03-04T05:06:07Z"}""",
            """{"project_id":"proj/main","id":"row-08","ended_at":"2025-03-04T05:06:08Z"}""",
            1_741_064_768_000, new(new(3, 1), new(3, 2), Complete: true)),
        // Offsets in the timestamps.
        new(
            """{"project_id":"proj/main","id":"row-09","op_name":"op","started_at":"2025-03-04T10:36:07.5+05:30"}""",
            """{"project_id":"proj/main","id":"row-09","ended_at":"2025-03-04T01:06:07.654321-04:00"}""",
            1_741_064_768_000, new(new(3, 3), new(3, 4), Complete: true)),
        // Above the row limit: an oversize_row error naming the end.
        new(
            """{"project_id":"proj/main","id":"row-10","op_name":"op","started_at":"2025-03-04T05:06:07Z"}""",
            $$$"""{"project_id":"proj/main","id":"row-10","ended_at":"2025-03-04T05:06:08Z","output":"{{{new string('z', 5_000)}}}"}""",
            1_741_064_768_123, new(new(4, 39), new(4, 40), Complete: true)),
    ];

    /// <summary>Error records with ascending offsets (none equal to row-10's 40), some with unknown ids, some with bad UTF-8.</summary>
    public static IReadOnlyList<TestError> Errors { get; } =
    [
        new("half_too_large", CallSide.Start, new(0, 1), 1_000, 1_500, [], [], []),
        new("missing_field:id", CallSide.Start, new(1, 5), 1_000, 2_000, [], [], "{not json"u8.ToArray()),
        new("malformed_json", CallSide.End, new(1, 6), 1_741_064_767_000, 1_741_064_767_001, [], [],
            [0xFF, (byte)'a', 0xC3, 0x28, 0xED, 0xA0, 0x80, (byte)'b', 0xF0, 0x9F, 0x98, 0xE2, 0x82, (byte)'c', 0xC3, 0xA9, 0xC0, 0xAF]),
        new("wrong_type:output", CallSide.End, new(3, 9), 1_741_064_767_000, 1_741_064_767_002, "proj/main"u8.ToArray(), "call-é"u8.ToArray(),
            Encoding.UTF8.GetBytes("{\"id\":\"x\",\"output\":\u0000\u0001\u001f\u007f\u2028\u2029\t\"/\\}")),
        new(JoinErrorReason.StartMissing, CallSide.End, new(2, 77), 1_735_787_045_123, 1_735_787_345_000, "proj/main"u8.ToArray(), "call-x"u8.ToArray(),
            """{"project_id":"proj/main","id":"call-x","ended_at":"2025-01-02T03:04:05Z","output":"é/ok"}"""u8.ToArray()),
    ];

    /// <summary>Writes every call and error to <paramref name="output"/>, as the engine would call it.</summary>
    public static void WriteAll(IJoinOutput output)
    {
        var row = new CallRowData();
        foreach (var call in Calls)
        {
            output.OnRow(call.Build(row), call.CreatedAtMillis, call.RowSources());
        }

        foreach (var error in Errors)
        {
            output.OnError(error.ToJoinError());
        }
    }
}
