using System.Text.Json;
using CallJoin.Core.Halves;
using static CallJoin.Core.Tests.Halves.Vectors;

namespace CallJoin.Core.Tests.Halves;

public class RefTests
{
    private const string A = "weave-trace-internal:///UHJvamVjdDox/object/Dataset:v3";
    private const string B = "weave-trace-internal:///UHJvamVjdDox/op/predict:abc";
    private const string C = "wandb-artifact:///entity/project/model:v0";
    private const string D = "weave-trace-internal:///UHJvamVjdDox/object/Dataset:v3/attr/rows/id/Zm9v";

    private readonly CallRowBuilder _builder = new();
    private readonly CallRowData _row = new();

    [Fact]
    public void Input_refs_come_from_the_values_of_inputs_in_order_without_repeats()
    {
        Build($$$"""{"a":"{{{A}}}","{{{B}}}":"key, not value","b":["x",{"c":"{{{B}}}","d":[[ "{{{C}}}" ]]}],"e":"{{{A}}}","f":"{{{D}}}","g":null,"h":1}""", "null");
        Assert.Equal([A, B, C, D], CallRowBuilderTests.Refs(_row.InputRefs));
    }

    [Fact]
    public void Output_refs_include_a_bare_string_output()
    {
        Build("{}", $"\"{A}\"");
        Assert.Equal([A], CallRowBuilderTests.Refs(_row.OutputRefs));

        Build("{}", $$$"""[{"x":"{{{C}}}"},"{{{B}}}","{{{C}}}"]""");
        Assert.Equal([C, B], CallRowBuilderTests.Refs(_row.OutputRefs));
    }

    [Fact]
    public void User_facing_weave_refs_are_not_collected()
    {
        // The trace server stores internal refs; it converts weave:///entity/project/... before writing.
        Build("""{"a":"weave:///entity/project/object/Dataset:v3","b":"weave:///entity/project/op/f:v"}""", "\"weave:///e/p/call/c\"");
        Assert.Equal(0, _row.InputRefs.Count);
        Assert.Equal(0, _row.OutputRefs.Count);
    }

    [Fact]
    public void Escaped_refs_are_collected_unescaped()
    {
        Build("""{"a":"\u0077eave-trace-internal:\/\/\/p\/call\/c1"}""", "null");
        Assert.Equal(["weave-trace-internal:///p/call/c1"], CallRowBuilderTests.Refs(_row.InputRefs));
    }

    [Fact]
    public void A_value_replaced_by_a_repeated_key_contributes_no_ref()
    {
        Build($$$"""{"a":"{{{A}}}","b":"{{{B}}}","a":"plain"}""", $$$"""{"x":{"y":"{{{C}}}","y":1}}""");
        Assert.Equal([B], CallRowBuilderTests.Refs(_row.InputRefs));
        Assert.Equal(0, _row.OutputRefs.Count);
        Assert.Equal("""{"a": "plain", "b": "weave-trace-internal:///UHJvamVjdDox/op/predict:abc"}""", Text(_row.InputsDump));
    }

    [Fact]
    public void Many_refs_are_kept_distinct()
    {
        var values = string.Join(",", Enumerable.Range(0, 300).Select(i => $"\"k{i}\":\"weave-trace-internal:///p/call/{i % 120}\""));
        Build("{" + values + "}", "null");
        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"weave-trace-internal:///p/call/{i}"), CallRowBuilderTests.Refs(_row.InputRefs));

        Build("""{"a":"weave-trace-internal:///p/call/1"}""", "null");
        Assert.Equal(["weave-trace-internal:///p/call/1"], CallRowBuilderTests.Refs(_row.InputRefs));
    }

    /// <summary>Strings and whether upstream stores them as refs, from make-ref-vectors.py (upstream's rules in Python).</summary>
    [Fact]
    public void Recognizes_refs_as_upstream_does()
    {
        var dumper = new PythonJsonDumper();
        int count = 0;
        foreach (var vector in Vectors.Read("ref-vectors.jsonl"))
        {
            var value = vector.GetProperty("value").GetString()!;
            bool isRef = vector.GetProperty("is_ref").GetBoolean();
            Assert.True(dumper.TryDump(Utf8(JsonSerializer.Serialize(value)), out _));
            Assert.True(isRef == (dumper.Refs.Count == 1), $"{value}: expected is_ref={isRef}");
            count++;
        }

        Assert.True(count > 500);
    }

    private void Build(string inputs, string output)
    {
        var start = Utf8($$$"""{"project_id":"p","id":"i","started_at":"2025-01-02T03:04:05Z","inputs":{{{inputs}}}}""");
        var end = Utf8($$$"""{"project_id":"p","id":"i","ended_at":"2025-01-02T03:04:06Z","output":{{{output}}}}""");
        Assert.Equal(HalfParseStatus.Ok, _builder.Build(start, end, _row));
    }
}
