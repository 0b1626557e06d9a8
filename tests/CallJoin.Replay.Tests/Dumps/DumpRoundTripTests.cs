using System.Text;
using System.Text.Json;
using CallJoin.Dumps;
using CsCheck;

namespace CallJoin.Replay.Tests.Dumps;

/// <summary>Writer and reader together: any record comes back as written, in lines escaped exactly as kcat's yajl escapes them.</summary>
public sealed class DumpRoundTripTests
{
    private static readonly Gen<int> s_codePoint = Gen.Frequency(
        (6, Gen.Int[0x20, 0x7E]),
        (2, Gen.Int[0x00, 0x1F]),
        (1, Gen.OneOf(Gen.Const((int)'"'), Gen.Const((int)'\\'), Gen.Const((int)'/'), Gen.Const(0x7F))),
        (2, Gen.Int[0x80, 0x7FF]),
        (2, Gen.Int[0x800, 0xD7FF]),
        (1, Gen.Int[0xE000, 0xFFFF]),
        (2, Gen.Int[0x10000, 0x10FFFF]));

    private static readonly Gen<string> s_text = s_codePoint.Array[0, 40].Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));

    /// <summary>Null, UTF-8 text, or arbitrary bytes (mostly invalid UTF-8).</summary>
    private static readonly Gen<byte[]?> s_bytes = Gen.Frequency(
        (1, Gen.Const((byte[]?)null)),
        (4, s_text.Select(s => (byte[]?)Encoding.UTF8.GetBytes(s))),
        (1, Gen.Byte.Array[0, 40].Select(b => (byte[]?)b)));

    private static readonly Gen<string> s_topic = Gen.Frequency(
        (3, Gen.OneOf(Gen.Const("weave.call_started"), Gen.Const("weave.call_ended"))),
        (1, s_text.Where(t => t.Length > 0)));

    private static readonly Gen<string> s_timestampType = Gen.OneOf(
        Gen.Const("create"), Gen.Const("logappend"), Gen.Const("unknown"), Gen.Const(""), s_text.Where(t => t.Length > 0));

    private static readonly Gen<(string, string?)[]> s_headers = Gen.Frequency(
        (3, Gen.Const(Array.Empty<(string, string?)>())),
        (1, Gen.Select(s_text, Gen.Frequency((1, Gen.Const((string?)null)), (3, s_text.Select(t => (string?)t)))).Array[1, 4]));

    private static readonly Gen<DumpRecord> s_record = Gen.Select(
        Gen.Select(s_topic, Gen.Int[0, int.MaxValue], Gen.Long[0, long.MaxValue], Gen.Long, s_timestampType, Gen.Int[-1, 1000]),
        Gen.Select(s_bytes, s_bytes, s_headers),
        (meta, body) => new DumpRecord(meta.Item1, meta.Item2, meta.Item3,
            meta.Item5.Length == 0 ? -1 : meta.Item4, meta.Item5, meta.Item6, body.Item1, body.Item2, body.Item3));

    [Fact]
    public void Any_records_read_back_as_written_plain_or_gzip() =>
        Gen.Select(s_record.Array[1, 20], Gen.Bool).Sample((records, gzip) =>
        {
            var bytes = DumpText.Written(writer =>
            {
                foreach (var record in records)
                {
                    record.WriteTo(writer);
                }
            });

            using var reader = DumpText.Reader(bytes, gzip);
            var read = DumpText.ReadAll(reader);
            Assert.All(read, r => Assert.Equal(DumpReadResult.Record, r.Result));
            Assert.Equal(records, read.Select(r => r.Record!));
            Assert.Equal(Enumerable.Range(1, records.Length).Select(i => (long)i), read.Select(r => r.Line));
            Assert.Equal(gzip, reader.IsGzip);
        }, iter: 2_000);

    [Fact]
    public void Lines_are_exactly_what_kcat_writes_for_the_same_message() =>
        s_record.Array[1, 10].Sample(records =>
        {
            var bytes = DumpText.Written(writer =>
            {
                foreach (var record in records)
                {
                    record.WriteTo(writer);
                }
            });

            Assert.Equal(Convert.ToHexString([.. records.SelectMany(KcatLine)]), Convert.ToHexString(bytes));
        }, iter: 2_000);

    [Fact]
    public void Lines_of_valid_UTF8_records_are_strict_JSON_with_the_same_strings() =>
        s_record.Where(r => IsUtf8(r.Key) && IsUtf8(r.Payload)).Sample(record =>
        {
            var line = DumpText.Written(record.WriteTo);
            Assert.Equal((byte)'\n', line[^1]);
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            Assert.Equal(record.Topic, root.GetProperty("topic").GetString());
            Assert.Equal(record.Offset, root.GetProperty("offset").GetInt64());
            Assert.Equal(Text(record.Key), root.GetProperty("key").GetString());
            Assert.Equal(Text(record.Payload), root.GetProperty("payload").GetString());
            Assert.Equal(record.Headers.Length > 0, root.TryGetProperty("headers", out _));
            Assert.Equal(record.TimestampType.Length > 0, root.TryGetProperty("ts", out _));
        }, iter: 2_000);

    [Fact]
    public void Escapes_follow_yajl_short_forms_uppercase_hex_and_raw_everything_else()
    {
        byte[] payload = [.. "a\"b\\c/d\r\n\t\b\f"u8, 0x01, 0x1F, 0x7F, .. "é😀"u8, 0xFF, 0xC3];
        var line = DumpText.Written(w => w.Write("weave.call_started", 3, 17, 1_700_000_000_123, "k1"u8, true, payload, true, broker: 2,
            headers: [new("trace", "x\"y"), new("empty", null)]));

        byte[] expected = [.. """{"topic":"weave.call_started","partition":3,"offset":17,"tstype":"create","ts":1700000000123,"broker":2,"headers":["trace","x\"y","empty",null],"key":"k1","payload":"a\"b\\c/d\r\n\t\b\f\u0001\u001F"""u8,
            0x7F, .. "é😀"u8, 0xFF, 0xC3, .. "\"}\n"u8];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(line));

        using var reader = DumpText.Reader(line);
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal(Convert.ToHexString(payload), Convert.ToHexString(reader.Payload));
    }

    [Fact]
    public void Null_key_and_payload_no_timestamp_and_no_headers_are_written_as_kcat_does()
    {
        var line = DumpText.Written(w => w.Write("t", 0, 0, 99, default, false, default, false, timestampType: "", headers: []));
        Assert.Equal("""{"topic":"t","partition":0,"offset":0,"broker":-1,"key":null,"payload":null}""" + "\n", Encoding.UTF8.GetString(line));
    }

    [Fact]
    public void Reading_a_dump_and_writing_it_again_keeps_every_record()
    {
        const int Records = 2_000;
        var payload = Encoding.UTF8.GetBytes("{\"op_name\":\"weave:///e/p/op/predict:v1\",\"inputs\":{\"text\":\"line\\nbreak \u00e9\"}}");
        var bytes = DumpText.Written(w =>
        {
            for (var i = 0; i < Records; i++)
            {
                w.Write(i % 2 == 0 ? "weave.call_started" : "weave.call_ended", i % 3, i, 1_000 + i, "call-id"u8, true, payload, true);
            }
        });

        using var reader = DumpText.Reader(bytes);
        for (var i = 0; i < Records / 2; i++)
        {
            Assert.Equal(DumpReadResult.Record, reader.Read());
        }

        // Allocation per record is measured by bench/CallJoin.Benchmarks (DumpBenchmarks), not here.
        var read = 0;
        var bytesSeen = 0L;
        while (reader.Read() == DumpReadResult.Record)
        {
            read++;
            bytesSeen += reader.Payload.Length + reader.Key.Length + reader.Topic.Length;
        }

        Assert.Equal(Records / 2, read);
        Assert.True(bytesSeen > 0);

        using var writer = new DumpWriter(Stream.Null);
        using var again = DumpText.Reader(bytes);
        for (var i = 0; i < Records / 2 && again.Read() == DumpReadResult.Record; i++)
        {
            writer.Write(again);
        }

        while (again.Read() == DumpReadResult.Record)
        {
            writer.Write(again);
        }

        Assert.Equal(Records, writer.Records);
    }

    [Fact]
    public void A_repeated_topic_is_the_same_string_instance()
    {
        using var reader = DumpText.Reader("""
            {"topic":"weave.call_started","partition":0,"offset":0,"key":null,"payload":null}
            {"topic":"weave.call_ended","partition":0,"offset":0,"key":null,"payload":null}
            {"topic":"weave.call_started","partition":0,"offset":1,"key":null,"payload":null}
            """);
        Assert.Equal(DumpReadResult.Record, reader.Read());
        var first = reader.Topic;
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Same(first, reader.Topic);
    }

    /// <summary>The line kcat's fmt_msg_output_json writes for the record: yajl_gen with default options, then "\n".</summary>
    private static byte[] KcatLine(DumpRecord record)
    {
        var line = new List<byte>();
        void Raw(string text) => line.AddRange(Encoding.UTF8.GetBytes(text));
        void Str(byte[]? bytes)
        {
            if (bytes is null)
            {
                Raw("null");
                return;
            }

            line.Add((byte)'"');
            foreach (var b in bytes)
            {
                switch (b)
                {
                    case (byte)'\r':
                        Raw("\\r");
                        break;
                    case (byte)'\n':
                        Raw("\\n");
                        break;
                    case (byte)'\\':
                        Raw("\\\\");
                        break;
                    case (byte)'"':
                        Raw("\\\"");
                        break;
                    case (byte)'\f':
                        Raw("\\f");
                        break;
                    case (byte)'\b':
                        Raw("\\b");
                        break;
                    case (byte)'\t':
                        Raw("\\t");
                        break;
                    case < 0x20:
                        Raw($"\\u00{b:X2}");
                        break;
                    default:
                        line.Add(b);
                        break;
                }
            }

            line.Add((byte)'"');
        }

        Raw("{\"topic\":");
        Str(Encoding.UTF8.GetBytes(record.Topic));
        Raw($",\"partition\":{record.Partition},\"offset\":{record.Offset}");
        if (record.TimestampType.Length > 0)
        {
            Raw(",\"tstype\":");
            Str(Encoding.UTF8.GetBytes(record.TimestampType));
            Raw($",\"ts\":{record.TimestampMillis}");
        }

        Raw($",\"broker\":{record.Broker}");
        if (record.Headers.Length > 0)
        {
            Raw(",\"headers\":[");
            for (var i = 0; i < record.Headers.Length; i++)
            {
                if (i > 0)
                {
                    Raw(",");
                }

                Str(Encoding.UTF8.GetBytes(record.Headers[i].Name));
                Raw(",");
                Str(record.Headers[i].Value is { } value ? Encoding.UTF8.GetBytes(value) : null);
            }

            Raw("]");
        }

        Raw(",\"key\":");
        Str(record.Key);
        Raw(",\"payload\":");
        Str(record.Payload);
        Raw("}\n");
        return [.. line];
    }

    private static bool IsUtf8(byte[]? bytes) => bytes is null || System.Text.Unicode.Utf8.IsValid(bytes);

    private static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);
}
