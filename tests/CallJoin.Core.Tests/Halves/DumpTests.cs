using System.Text;
using System.Text.Json;
using CallJoin.Core.Halves;
using CsCheck;
using static CallJoin.Core.Tests.Halves.Vectors;

namespace CallJoin.Core.Tests.Halves;

public class DumpTests
{
    private readonly PythonJsonDumper _dumper = new();

    /// <summary>Inputs and Python's <c>json.dumps(json.loads(input))</c> from make-dump-vectors.py (null: Python rejects it).</summary>
    [Fact]
    public void Matches_python_on_the_golden_vectors()
    {
        var failures = new List<string>();
        int count = 0;
        foreach (var vector in Vectors.Read("dump-vectors.jsonl"))
        {
            var input = vector.GetProperty("input").GetString()!;
            var expectedElement = vector.GetProperty("expected");
            var expected = expectedElement.ValueKind == JsonValueKind.Null ? null : expectedElement.GetString();
            var actual = _dumper.TryDump(Utf8(input), out var dump) ? Text(dump) : null;
            if (actual != expected)
            {
                failures.Add($"{Shorten(input)}\n  expected {Shorten(expected)}\n  actual   {Shorten(actual)}");
            }

            count++;
        }

        Assert.True(count > 1_000);
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ:\n" + string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("[1, NaN]")]
    public void Rejects_the_non_standard_literals_python_accepts(string input) =>
        Assert.False(_dumper.TryDump(Utf8(input), out _));

    [Fact]
    public void Rejects_invalid_utf8()
    {
        Assert.False(_dumper.TryDump([(byte)'"', 0xC3, (byte)'"'], out _));
        Assert.False(_dumper.TryDump([(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'], out _));
        Assert.False(_dumper.TryDump([(byte)'"', 0xFF, (byte)'"'], out _));
        Assert.True(_dumper.TryDump([(byte)'"', 0xC3, 0xA9, (byte)'"'], out var dump));
        Assert.Equal("\"\\u00e9\"", Text(dump));
    }

    [Fact]
    public void Handles_deep_nesting_and_repeated_keys_deep_down()
    {
        // Each level is an object and an array: 900 levels of nesting.
        int depth = 450;
        var input = string.Concat(Enumerable.Repeat("{\"a\":1,\"b\":[", depth)) + "0" + string.Concat(Enumerable.Repeat("],\"a\":2}", depth));
        var expected = string.Concat(Enumerable.Repeat("{\"a\": 2, \"b\": [", depth)) + "0" + string.Concat(Enumerable.Repeat("]}", depth));
        Assert.True(_dumper.TryDump(Utf8(input), out var dump));
        Assert.Equal(expected, Text(dump));
    }

    [Fact]
    public void Output_is_ascii_valid_json_equivalent_to_the_input_and_stable()
    {
        Check(JsonTextGen.Value(repeatKeys: false), 3_000);
    }

    [Fact]
    public void Repeated_keys_keep_the_first_position_and_the_last_value()
    {
        Check(JsonTextGen.Value(repeatKeys: true), 2_000);
    }

    private static void Check(Gen<string> gen, int iterations) => gen.Sample(input =>
    {
        // Samples run in parallel; a dumper is single-threaded.
        var dumper = new PythonJsonDumper();
        Assert.True(dumper.TryDump(Utf8(input), out var dump), input);
        var output = dump.ToArray();
        Assert.True(output.All(b => b < 0x80), "not ASCII: " + Text(output));

        using var parsedInput = JsonDocument.Parse(input, new JsonDocumentOptions { MaxDepth = 100 });
        using var parsedOutput = JsonDocument.Parse(output);
        var difference = Difference(parsedInput.RootElement, parsedOutput.RootElement);
        Assert.True(difference is null, $"{difference}\n in  {input}\n out {Text(output)}");

        Assert.True(dumper.TryDump(output, out var again));
        Assert.Equal(Text(output), Text(again));
    }, iter: iterations);

    /// <summary>Where <paramref name="output"/> differs from what Python would load <paramref name="input"/> as; null if nowhere.</summary>
    private static string? Difference(JsonElement input, JsonElement output)
    {
        if (input.ValueKind != output.ValueKind)
        {
            return $"kind {input.ValueKind} vs {output.ValueKind}";
        }

        switch (input.ValueKind)
        {
            case JsonValueKind.Object:
                // A Python dict: first position, last value.
                var keys = new List<string>();
                var values = new Dictionary<string, JsonElement>();
                foreach (var property in input.EnumerateObject())
                {
                    if (!values.ContainsKey(property.Name))
                    {
                        keys.Add(property.Name);
                    }

                    values[property.Name] = property.Value;
                }

                var outputMembers = output.EnumerateObject().ToList();
                if (outputMembers.Count != keys.Count)
                {
                    return $"{keys.Count} members vs {outputMembers.Count}";
                }

                for (int i = 0; i < keys.Count; i++)
                {
                    if (outputMembers[i].Name != keys[i])
                    {
                        return $"key {keys[i]} vs {outputMembers[i].Name}";
                    }

                    if (Difference(values[keys[i]], outputMembers[i].Value) is { } inner)
                    {
                        return $"{keys[i]}: {inner}";
                    }
                }

                return null;
            case JsonValueKind.Array:
                var a = input.EnumerateArray().ToList();
                var b = output.EnumerateArray().ToList();
                if (a.Count != b.Count)
                {
                    return $"{a.Count} items vs {b.Count}";
                }

                return a.Zip(b).Select(p => Difference(p.First, p.Second)).FirstOrDefault(d => d is not null);
            case JsonValueKind.String:
                return input.GetString() == output.GetString() ? null : "string";
            case JsonValueKind.Number:
                var raw = input.GetRawText();
                var written = output.GetRawText();
                if (raw.IndexOfAny(['.', 'e', 'E']) < 0)
                {
                    return written == (raw == "-0" ? "0" : raw) ? null : $"integer {raw} vs {written}";
                }

                var expected = double.Parse(raw, System.Globalization.CultureInfo.InvariantCulture);
                var actual = double.Parse(written, System.Globalization.CultureInfo.InvariantCulture);
                bool isFloat = written.IndexOfAny(['.', 'e']) >= 0;
                return isFloat && BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual)
                    ? null
                    : $"float {raw} vs {written}";
            default:
                return null;
        }
    }

    private static string? Shorten(string? text) => text is null ? "(rejected)" : text.Length > 200 ? text[..200] + "…" : text;
}
