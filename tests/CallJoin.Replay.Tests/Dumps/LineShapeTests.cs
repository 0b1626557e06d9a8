using System.Globalization;
using System.Text;
using System.Text.Json;
using CallJoin.Dumps;
using CsCheck;

namespace CallJoin.Replay.Tests.Dumps;

/// <summary>
/// Lines in every shape valid JSON allows (any escaping, whitespace, key order, extra and nested fields, both header
/// forms, non-string keys and payloads) read back as the values they were generated from.
/// </summary>
public sealed class LineShapeTests
{
    private static readonly Gen<int> s_codePoint = Gen.Frequency(
        (6, Gen.Int[0x20, 0x7E]),
        (2, Gen.Int[0x00, 0x1F]),
        (2, Gen.OneOf(Gen.Const((int)'"'), Gen.Const((int)'\\'), Gen.Const((int)'/'))),
        (2, Gen.Int[0x80, 0x7FF]),
        (1, Gen.Int[0x800, 0xD7FF]),
        (1, Gen.Int[0xE000, 0xFFFF]),
        (2, Gen.Int[0x10000, 0x10FFFF]));

    /// <summary>A string and how each of its code points is written: 0 raw where JSON allows it, 1 \u upper, 2 \u lower, 3 short escape where one exists.</summary>
    private static readonly Gen<(string Value, string Json)> s_string =
        Gen.Select(s_codePoint, Gen.Int[0, 3]).Array[0, 30].Select(Render);

    private static readonly Gen<(string Value, string Json)> s_name = s_string.Where(s => s.Value.Length > 0);

    private static readonly Gen<string> s_space = Gen.Frequency((5, Gen.Const("")), (1, Gen.OneOf(Gen.Const(" "), Gen.Const("\t"), Gen.Const(" \t "))));

    private static readonly Gen<string> s_raw = Gen.OneOf(
        Gen.Const("""{"id":7}"""), Gen.Const("""[1,"x",{"a":null}]"""), Gen.Const("""{"n":{"m":[true,false,-1.5e3]}}"""),
        Gen.Const("12.5"), Gen.Const("true"), Gen.Const("-7"), Gen.Const("[]"), Gen.Const("{}"));

    /// <summary>A key or payload: null, a string, or another JSON value (given back as its text).</summary>
    private static readonly Gen<(byte[]? Bytes, string Json)> s_value = Gen.Frequency(
        (1, Gen.Const(((byte[]?)null, "null"))),
        (6, s_string.Select(s => ((byte[]?)Encoding.UTF8.GetBytes(s.Value), s.Json))),
        (1, s_raw.Select(r => ((byte[]?)Encoding.UTF8.GetBytes(r), r))));

    private static readonly Gen<(string? Value, string Json)> s_headerValue =
        Gen.Frequency((1, Gen.Const(((string?)null, "null"))), (3, s_string.Select(s => ((string?)s.Value, s.Json))));

    private static readonly Gen<(string Name, string? Value, string NameJson, string ValueJson)[]> s_headers =
        Gen.Select(s_string, s_headerValue, (n, v) => (n.Value, v.Value, n.Json, v.Json)).Array[0, 4];

    private static readonly Gen<string> s_extra = Gen.OneOf(
        Gen.Const("\"key_error\":\"Failed to deserialize\""), Gen.Const("\"value_schema_id\":4"), Gen.Const("\"x\":{\"y\":[1,{\"z\":\"\\\"\"}]}"),
        Gen.Const("\"flag\":true"), Gen.Const("\"f\":1.5"), Gen.Const("\"n\":null"), Gen.Const("\"e\\u0078tra\":\"x\""));

    private static readonly Gen<Line> s_line = Gen.Select(
        Gen.Select(s_name, Gen.Int[0, int.MaxValue], Gen.Long[0, long.MaxValue], Gen.Int[0, 3], Gen.Long, Gen.Int[0, 2], Gen.Int),
        Gen.Select(s_value, s_value, Gen.Int[0, 2], s_headers, s_extra.Array[0, 2], Gen.Int[0, int.MaxValue]),
        s_space.Array[40],
        (a, b, spaces) => new Line(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7, b.Item1, b.Item2, b.Item3, b.Item4, b.Item5, b.Item6, spaces));

    [Fact]
    public void Any_valid_line_reads_back_as_the_values_it_was_generated_from() =>
        s_line.Array[1, 8].Sample(lines =>
        {
            var text = string.Join("\n", lines.Select(l => l.Json)) + "\n";
            foreach (var line in lines)
            {
                using var _ = JsonDocument.Parse(line.Json);   // the generator writes valid JSON
            }

            using var reader = DumpText.Reader(text);
            var read = DumpText.ReadAll(reader);
            Assert.All(read, r => Assert.True(r.Result == DumpReadResult.Record, r.Error));
            Assert.Equal(lines.Select(l => l.Expected), read.Select(r => r.Record!));
        }, iter: 3_000);

    private static (string Value, string Json) Render((int CodePoint, int Style)[] points)
    {
        var value = new StringBuilder();
        var json = new StringBuilder("\"");
        foreach (var (codePoint, style) in points)
        {
            var text = char.ConvertFromUtf32(codePoint);
            value.Append(text);
            var shortForm = codePoint switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '/' => "\\/",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => null,
            };
            var mustEscape = codePoint < 0x20 || codePoint is '"' or '\\';
            if (style == 0 && !mustEscape)
            {
                json.Append(text);
            }
            else if (style == 3 && shortForm is not null)
            {
                json.Append(shortForm);
            }
            else
            {
                foreach (var unit in text)
                {
                    json.Append("\\u").Append(((int)unit).ToString(style == 2 ? "x4" : "X4", CultureInfo.InvariantCulture));
                }
            }
        }

        return (value.ToString(), json.Append('"').ToString());
    }

    private sealed record Line(
        (string Value, string Json) Topic, int Partition, long Offset, int TimestampShape, long Timestamp, int BrokerShape, int Broker,
        (byte[]? Bytes, string Json) Key, (byte[]? Bytes, string Json) Payload, int HeaderShape,
        (string Name, string? Value, string NameJson, string ValueJson)[] Headers, string[] Extras, int Order, string[] Spaces)
    {
        // Timestamp shapes: 0 none, 1 tstype and ts, 2 ts alone, 3 tstype "logappend" and ts. Header shapes: 0 none, 1 array, 2 map.
        public string Json
        {
            get
            {
                var fields = new List<(string Name, string Value)>
                {
                    ("\"topic\"", Topic.Json),
                    ("\"partition\"", $"{Partition}"),
                    ("\"offset\"", $"{Offset}"),
                    ("\"key\"", Key.Json),
                    ("\"payload\"", Payload.Json),
                };
                if (TimestampShape is 1 or 3)
                {
                    fields.Add(("\"tstype\"", TimestampShape == 1 ? "\"create\"" : "\"logappend\""));
                }

                if (TimestampShape != 0)
                {
                    fields.Add(("\"ts\"", $"{Timestamp}"));
                }

                if (BrokerShape != 0)
                {
                    fields.Add(("\"broker\"", $"{Broker}"));
                }

                if (HeaderShape == 1 || (HeaderShape == 2 && MapHeaders is null))
                {
                    fields.Add(("\"headers\"", $"[{string.Join(",", Headers.Select(h => $"{h.NameJson},{h.ValueJson}"))}]"));
                }
                else if (HeaderShape == 2)
                {
                    fields.Add(("\"headers\"", $"{{{MapHeaders}}}"));
                }

                fields.AddRange(Extras.Distinct().Select(e => (e[..e.IndexOf("\":", StringComparison.Ordinal)] + "\"", e[(e.IndexOf("\":", StringComparison.Ordinal) + 2)..])));

                // A rotation and an optional swap: many key orders, kcat's own (rotation 0) among them.
                var rotation = Order % fields.Count;
                fields = [.. fields.Skip(rotation), .. fields.Take(rotation)];
                if (Order / fields.Count % 2 == 1 && fields.Count > 2)
                {
                    (fields[0], fields[^1]) = (fields[^1], fields[0]);
                }

                var space = 0;
                string S() => Spaces[space++ % Spaces.Length];
                return S() + "{" + S() + string.Join("," + S(), fields.Select(f => f.Name + S() + ":" + S() + f.Value)) + S() + "}" + S();
            }
        }

        public DumpRecord Expected => new(
            Topic.Value, Partition, Offset,
            TimestampShape == 0 ? -1 : Timestamp,
            TimestampShape switch { 0 => "", 1 => "create", 2 => "unknown", _ => "logappend" },
            BrokerShape == 0 ? -1 : Broker,
            Key.Bytes, Payload.Bytes,
            HeaderShape == 0 ? [] : [.. Headers.Select(h => (h.Name, h.Value))]);

        /// <summary>The map form ("name":["value"]) when the header names are distinct, else null (the array form is used).</summary>
        private string? MapHeaders => Headers.Select(h => h.Name).Distinct().Count() == Headers.Length
            ? string.Join(",", Headers.Select(h => $"{h.NameJson}:[{h.ValueJson}]"))
            : null;
    }
}
