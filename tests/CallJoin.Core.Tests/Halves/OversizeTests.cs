using CallJoin.Core.Halves;
using static CallJoin.Core.Tests.Halves.Vectors;

namespace CallJoin.Core.Tests.Halves;

public class OversizeTests
{
    private const string Marker = """{"_weave": {"error":"<EXCEEDS_LIMITS>"}}""";

    private readonly CallRowData _row = new();

    [Fact]
    public void The_marker_and_default_limit_are_upstreams()
    {
        Assert.Equal(Marker, Text(CallRowBuilder.DumpMarker));
        Assert.Equal(3.5 * 1024 * 1024, CallRowBuilder.DefaultMaxDumpBytes);
        Assert.Equal(CallRowBuilder.DefaultMaxDumpBytes, new CallRowBuilder().MaxDumpBytes);
    }

    [Fact]
    public void Replaces_the_largest_dump_until_the_row_fits()
    {
        // inputs 60 B, output 30 B, attributes 2, summary 2: 94 > 80, so inputs goes; 94 - 60 + 40 = 74 fits.
        var builder = new CallRowBuilder(maxDumpBytes: 80);
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Start(Str(60 - 9)), End(Str(30 - 2)), _row));
        Assert.Equal(Marker, Text(_row.InputsDump));
        Assert.Equal(30, _row.OutputDump.Length);
        Assert.Equal(1, _row.DumpsReplaced);
    }

    [Fact]
    public void Keeps_replacing_the_next_largest()
    {
        // inputs 100, output 90, attributes 2, summary 2 = 194 > 100: inputs -> 134, output -> 84.
        var builder = new CallRowBuilder(maxDumpBytes: 100);
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Start(Str(100 - 9)), End(Str(90 - 2)), _row));
        Assert.Equal(Marker, Text(_row.InputsDump));
        Assert.Equal(Marker, Text(_row.OutputDump));
        Assert.Equal("{}", Text(_row.AttributesDump));
        Assert.Equal(2, _row.DumpsReplaced);
    }

    [Fact]
    public void Equal_sizes_go_in_column_order_inputs_output_attributes_summary()
    {
        // inputs "{"s": "xx..."}" and output "xx..." both 70 B; 144 > 115: inputs goes first, 114 fits.
        var builder = new CallRowBuilder(maxDumpBytes: 115);
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Start(Str(70 - 9)), End(Str(70 - 2)), _row));
        Assert.Equal(Marker, Text(_row.InputsDump));
        Assert.Equal(70, _row.OutputDump.Length);
        Assert.Equal(1, _row.DumpsReplaced);
    }

    [Fact]
    public void A_row_at_the_limit_is_kept()
    {
        var builder = new CallRowBuilder(maxDumpBytes: 60 + 30 + 2 + 2);
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Start(Str(60 - 9)), End(Str(30 - 2)), _row));
        Assert.Equal(0, _row.DumpsReplaced);
        Assert.Equal(60, _row.InputsDump.Length);
    }

    [Fact]
    public void Replaces_everything_when_even_markers_do_not_fit()
    {
        var builder = new CallRowBuilder(maxDumpBytes: 10);
        Assert.Equal(HalfParseStatus.Ok, builder.Build(Start(Str(5)), End(Str(5)), _row));
        Assert.Equal(4, _row.DumpsReplaced);
        Assert.Equal(Marker, Text(_row.SummaryDump));
        Assert.Equal(Marker, Text(_row.AttributesDump));
    }

    [Fact]
    public void Otel_dump_is_not_counted()
    {
        var builder = new CallRowBuilder(maxDumpBytes: 200);
        var start = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","otel_dump":{"s":"{{{new string('x', 1000)}}}"}}""");
        Assert.Equal(HalfParseStatus.Ok, builder.Build(start, default, _row));
        Assert.Equal(0, _row.DumpsReplaced);
        Assert.Equal(1009, _row.OtelDump.Length);
    }

    [Fact]
    public void The_default_limit_is_three_and_a_half_mebibytes_and_refs_survive()
    {
        var builder = new CallRowBuilder();
        var big = new string('x', CallRowBuilder.DefaultMaxDumpBytes);
        var start = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"r":"weave-trace-internal:///p/call/c","s":"{{{big}}}"}}""");
        Assert.Equal(HalfParseStatus.Ok, builder.Build(start, default, _row));
        Assert.Equal(Marker, Text(_row.InputsDump));
        Assert.Equal(1, _row.DumpsReplaced);
        Assert.Equal(["weave-trace-internal:///p/call/c"], CallRowBuilderTests.Refs(_row.InputRefs));

        var fits = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"s":"{{{big[..(CallRowBuilder.DefaultMaxDumpBytes - 9 - 2 - 4 - 2)]}}}"}}""");
        Assert.Equal(HalfParseStatus.Ok, builder.Build(fits, default, _row));
        Assert.Equal(0, _row.DumpsReplaced);
        Assert.Equal(CallRowBuilder.DefaultMaxDumpBytes - 8, _row.InputsDump.Length);
    }

    /// <summary>A start whose inputs dump is <c>{"s": "..."}</c>: 9 bytes more than the string.</summary>
    private static byte[] Start(string s) =>
        Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{"s":"{{{s}}}"}}""");

    /// <summary>An end whose output dump is the quoted string: 2 bytes more than it.</summary>
    private static byte[] End(string s) =>
        Utf8($$$"""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":"{{{s}}}"}""");

    private static string Str(int length) => new('x', length);
}
