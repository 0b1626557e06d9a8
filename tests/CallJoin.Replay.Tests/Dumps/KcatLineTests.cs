using System.Text;
using CallJoin.Dumps;

namespace CallJoin.Replay.Tests.Dumps;

/// <summary>
/// Lines as kcat writes them (copied from published kcat -J output, plus the variants its json.c can produce): all are
/// read, and lines from a current kcat are written back byte for byte.
/// </summary>
public sealed class KcatLineTests
{
    // kcat 1.7 (librdkafka >= 1.5: "broker" present), a JSON payload with escaped quotes.
    private const string Current = """{"topic":"user_activity","partition":0,"offset":0,"tstype":"create","ts":1727977685354,"broker":0,"key":"1","payload":"{\"id\": 1, \"name\": \"Alice\", \"age\": 30, \"created_at\": \"2024-10-03T14:48:05.333137\", \"event\": \"login\"}"}""";

    // broker -1: the broker id was not known.
    private const string UnknownBroker = """{"topic":"test_sink_topic","partition":0,"offset":1,"tstype":"create","ts":1700201806289,"broker":-1,"key":"{\"v1\":2}","payload":"{\"v1\":2,\"v2\":5}"}""";

    // An older kcat (no "broker"), with headers and a key starting with a NUL byte; a null payload.
    private const string OlderWithHeaders = """{"topic":"kafkasql-journal","partition":0,"offset":0,"tstype":"create","ts":1637230546039,"headers":["req","ef7fd699-2311-4ba6-9d5a-f9087815eb83"],"key":"\u0000{\"bootstrapId\":\"24240819-0738-49a7-8ab2-2b971176b0e1\"}","payload":null}""";

    // A multi-line (pretty-printed) message: newlines escaped.
    private const string Escapes = """{"topic":"topic-example","partition":0,"offset":11,"tstype":"create","ts":1646857416396,"broker":15,"key":null,"payload":"{\n  \"source\" : {\n    \"server\" : \"teste_database\"\n  }\n}"}""";

    [Fact]
    public void A_current_kcat_line_is_read_field_by_field()
    {
        using var reader = DumpText.Reader(Current + "\n");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal("user_activity", reader.Topic);
        Assert.Equal(0, reader.Partition);
        Assert.Equal(0, reader.Offset);
        Assert.Equal("create", reader.TimestampType);
        Assert.Equal(1727977685354, reader.TimestampMillis);
        Assert.Equal(0, reader.Broker);
        Assert.True(reader.HasKey);
        Assert.Equal("1", Encoding.UTF8.GetString(reader.Key));
        Assert.Equal("""{"id": 1, "name": "Alice", "age": 30, "created_at": "2024-10-03T14:48:05.333137", "event": "login"}""", Encoding.UTF8.GetString(reader.Payload));
        Assert.Empty(reader.Headers);
        Assert.Equal(1, reader.LineNumber);
        Assert.Null(reader.Error);
        Assert.Equal(DumpReadResult.End, reader.Read());
    }

    [Theory]
    [InlineData(Current)]
    [InlineData(UnknownBroker)]
    [InlineData(Escapes)]
    public void Lines_from_a_current_kcat_are_written_back_byte_for_byte(string line)
    {
        using var reader = DumpText.Reader(line + "\n");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        var written = DumpText.Written(w => w.Write(reader));
        Assert.Equal(line + "\n", Encoding.UTF8.GetString(written));
    }

    [Fact]
    public void An_older_kcat_line_without_broker_with_headers_and_a_NUL_key_is_read()
    {
        using var reader = DumpText.Reader(OlderWithHeaders + "\n");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal(-1, reader.Broker);
        Assert.Equal(1637230546039, reader.TimestampMillis);
        Assert.Equal([new("req", "ef7fd699-2311-4ba6-9d5a-f9087815eb83")], reader.Headers);
        Assert.Equal(0, reader.Key[0]);
        Assert.Equal("""{"bootstrapId":"24240819-0738-49a7-8ab2-2b971176b0e1"}""", Encoding.UTF8.GetString(reader.Key[1..]));
        Assert.False(reader.HasPayload);
        Assert.True(reader.Payload.IsEmpty);

        // Written back it gains "broker":-1 where kcat >= 1.6 would put it, and is otherwise the same.
        var written = Encoding.UTF8.GetString(DumpText.Written(w => w.Write(reader)));
        Assert.Equal(OlderWithHeaders.Replace("\"headers\"", "\"broker\":-1,\"headers\"", StringComparison.Ordinal) + "\n", written);
    }

    [Fact]
    public void A_pretty_printed_payload_has_its_newlines_back()
    {
        using var reader = DumpText.Reader(Escapes + "\n");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.False(reader.HasKey);
        Assert.Equal("{\n  \"source\" : {\n    \"server\" : \"teste_database\"\n  }\n}", Encoding.UTF8.GetString(reader.Payload));
    }

    [Fact]
    public void Avro_deserialization_errors_and_schema_ids_are_ignored()
    {
        // kcat -s avro on a message it cannot decode: null, then "key_error"/"payload_error".
        using var reader = DumpText.Reader("""
            {"topic":"t","partition":1,"offset":5,"tstype":"logappend","ts":1,"broker":2,"key":null,"key_error":"Failed to deserialize key","payload":null,"payload_error":"Schema not found"}
            {"topic":"t","partition":1,"offset":6,"tstype":"create","ts":2,"broker":2,"key":{"id":7},"key_schema_id":3,"payload":{"a":[1,"x"],"b":null},"value_schema_id":4}
            """);
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal("logappend", reader.TimestampType);
        Assert.False(reader.HasKey);
        Assert.False(reader.HasPayload);

        // Decoded Avro is written verbatim as JSON: it is given as its JSON text.
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal("""{"id":7}""", Encoding.UTF8.GetString(reader.Key));
        Assert.Equal("""{"a":[1,"x"],"b":null}""", Encoding.UTF8.GetString(reader.Payload));
    }

    [Fact]
    public void A_message_without_a_timestamp_has_no_tstype_or_ts()
    {
        using var reader = DumpText.Reader("""{"topic":"t","partition":0,"offset":1,"broker":1,"key":null,"payload":"x"}""" + "\n");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal(-1, reader.TimestampMillis);
        Assert.Equal("", reader.TimestampType);
        Assert.Equal("""{"topic":"t","partition":0,"offset":1,"broker":1,"key":null,"payload":"x"}""" + "\n",
            Encoding.UTF8.GetString(DumpText.Written(w => w.Write(reader))));
    }

    [Fact]
    public void Keys_in_any_order_CRLF_line_ends_and_blank_lines_are_accepted()
    {
        using var reader = DumpText.Reader(
            "\r\n{\"payload\":\"p\",\"key\":\"k\",\"ts\":5,\"offset\":3,\"broker\":1,\"partition\":2,\"tstype\":\"create\",\"topic\":\"t\"}\r\n  \n" +
            "{ \"topic\" : \"t\" , \"partition\" : 2 , \"offset\" : 4 , \"ts\" : 6 }\r\n");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal(("t", 2, 3L, 5L, "create", 1), (reader.Topic, reader.Partition, reader.Offset, reader.TimestampMillis, reader.TimestampType, reader.Broker));
        Assert.Equal("k", Encoding.UTF8.GetString(reader.Key));
        Assert.Equal("p", Encoding.UTF8.GetString(reader.Payload));
        Assert.Equal(2, reader.LineNumber);

        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal(4, reader.LineNumber);
        Assert.Equal((4L, 6L, "unknown"), (reader.Offset, reader.TimestampMillis, reader.TimestampType));
        Assert.False(reader.HasKey);
        Assert.False(reader.HasPayload);
        Assert.Equal(DumpReadResult.End, reader.Read());
        Assert.Equal(0, reader.MalformedLines);
    }

    [Fact]
    public void Headers_with_null_values_and_the_map_form_are_read()
    {
        using var reader = DumpText.Reader("""
            {"topic":"t","partition":0,"offset":0,"headers":["a",null,"b","x","a","y"],"key":null,"payload":null}
            {"topic":"t","partition":0,"offset":1,"headers":{"a":["1",null],"b":["2"]},"key":null,"payload":null}
            """);
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal([new("a", null), new("b", "x"), new("a", "y")], reader.Headers);
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal([new("a", "1"), new("a", null), new("b", "2")], reader.Headers);
    }

    [Fact]
    public void Unicode_escapes_from_other_writers_decode_to_UTF8_and_a_lone_surrogate_to_U_FFFD()
    {
        // jq and most JSON libraries escape non-ASCII; kcat does not, but such lines must read the same.
        using var reader = DumpText.Reader("""{"topic":"t\u00e9","partition":0,"offset":0,"key":"\ud83d\ude00\/","payload":"a\ud800b\u00E9"}""" + "\n");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal("té", reader.Topic);
        Assert.Equal("😀/", Encoding.UTF8.GetString(reader.Key));
        Assert.Equal(Convert.ToHexString([.. "a"u8, 0xEF, 0xBF, 0xBD, .. "bé"u8]), Convert.ToHexString(reader.Payload));
    }

    [Fact]
    public void Invalid_UTF8_written_raw_by_kcat_is_read_back_unchanged()
    {
        byte[] line = [.. "{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"key\":null,\"payload\":\""u8, 0xFF, (byte)'a', 0xC3, 0x28, .. "\"}\n"u8];
        using var reader = DumpText.Reader(line);
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal("FF61C328", Convert.ToHexString(reader.Payload));
    }
}
