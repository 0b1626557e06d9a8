using System.Text;
using CallJoin.Dumps;
using CallJoin.Testing;

namespace CallJoin.Replay.Tests.Dumps;

/// <summary>Bad lines and bad streams: each gives Malformed with the line and a reason, reading goes on, nothing throws.</summary>
public sealed class MalformedInputTests : IDisposable
{
    private readonly string _directory = TempDirectory.Create("dumps");

    [Fact]
    public void Each_kind_of_bad_line_is_malformed_with_its_line_number_and_reading_continues()
    {
        string[] lines =
        [
            """{"topic":"t","partition":0,"offset":0,"key":"a","payload":"1"}""",
            "not json",
            "",
            """{"partition":0,"offset":1,"payload":"x"}""",
            """{"topic":"t","offset":1}""",
            """{"topic":"t","partition":0}""",
            """{"topic":"t","partition":"0","offset":1}""",
            """{"topic":"t","partition":0,"offset":1} {"x":1}""",
            "[1,2]",
            """{"topic":"t","partition":0,"offset":1,"headers":[1,2]}""",
            """{"topic":"t","partition":0,"offset":1,"ts":"yesterday"}""",
            """{"topic":"t","partition":0,"offset":-5}""",
            """{"topic":"","partition":0,"offset":1}""",
            "% Reached end of topic t [0] at offset 1",
            """{"topic":"t","partition":0,"offset":18446744073709551617}""",
            """{"topic":"t","partition":4294967296,"offset":1}""",
            """{"topic":"t","partition":1.0,"offset":1}""",
            """{"topic":"t","partition":0,"offset":1,"ts":1e3}""",
            """{"topic":"t","partition":0,"offset":1,"key":"a\qb"}""",
            """{"topic":"t","partition":0,"offset":1,"payload":"tab	raw"}""",
            """{"topic":"t","partition":0,"offset":1,"key":"b","payload":"2"}""",
            """{"topic":"t","partition":0,"off""",
        ];
        using var reader = DumpText.Reader(string.Join("\n", lines), name: "bad.jsonl");
        var results = DumpText.ReadAll(reader);

        (long Line, string Reason)[] expectedMalformed =
        [
            (2, "not valid JSON"),
            (4, "no \"topic\""),
            (5, "no \"partition\""),
            (6, "no \"offset\""),
            (7, "\"partition\" is not a partition number"),
            (8, "not valid JSON"),
            (9, "not a JSON object"),
            (10, "\"headers\""),
            (11, "\"ts\" is not a timestamp"),
            (12, "\"offset\" is not an offset"),
            (13, "\"topic\" is not a topic name"),
            (14, "not valid JSON"),
            (15, "\"offset\" is not an offset"),
            (16, "\"partition\" is not a partition number"),
            (17, "\"partition\" is not a partition number"),
            (18, "\"ts\" is not a timestamp"),
            (19, "not valid JSON"),
            (20, "not valid JSON"),
            (22, "ends in the middle of this line"),
        ];
        var malformed = results.Where(r => r.Result == DumpReadResult.Malformed).ToList();
        Assert.Equal(expectedMalformed.Select(e => e.Line), malformed.Select(m => m.Line));
        foreach (var ((line, reason), actual) in expectedMalformed.Zip(malformed))
        {
            Assert.StartsWith($"bad.jsonl, line {line}: ", actual.Error, StringComparison.Ordinal);
            Assert.Contains(reason, actual.Error, StringComparison.Ordinal);
        }

        var records = results.Where(r => r.Result == DumpReadResult.Record).ToList();
        Assert.Equal([1L, 21L], records.Select(r => r.Line));
        Assert.Equal(["1", "2"], records.Select(r => Encoding.UTF8.GetString(r.Record!.Payload!)));
        Assert.Equal(expectedMalformed.Length, reader.MalformedLines);
        Assert.Equal(2, reader.Records);
        Assert.Equal(DumpReadResult.End, reader.Read());
    }

    [Fact]
    public void A_last_line_without_a_newline_is_a_record_when_complete()
    {
        using var reader = DumpText.Reader("""{"topic":"t","partition":0,"offset":7}""");
        Assert.Equal(DumpReadResult.Record, reader.Read());
        Assert.Equal(7, reader.Offset);
        Assert.Equal(DumpReadResult.End, reader.Read());
    }

    [Fact]
    public void A_truncated_gzip_dump_gives_its_records_then_one_malformed_line_then_end()
    {
        var records = Records(2_000, payloadBytes: 200).ToList();
        var whole = DumpText.Gzip(DumpText.Written(w => records.ForEach(r => r.WriteTo(w))));
        var cut = whole[..(whole.Length / 2)];

        using var reader = DumpText.Reader(cut, name: "cut.jsonl.gz");
        var results = DumpText.ReadAll(reader);
        Assert.True(reader.IsGzip);
        var read = results.TakeWhile(r => r.Result == DumpReadResult.Record).Select(r => r.Record!).ToList();
        Assert.InRange(read.Count, 100, records.Count - 100);
        Assert.Equal(records.Take(read.Count), read);

        var last = Assert.Single(results.Skip(read.Count));
        Assert.Equal(DumpReadResult.Malformed, last.Result);
        Assert.Equal(read.Count + 1, last.Line);
        Assert.Contains("cut.jsonl.gz, line", last.Error, StringComparison.Ordinal);
        Assert.Contains("ends in the middle of this line (truncated?)", last.Error, StringComparison.Ordinal);
        Assert.Equal(DumpReadResult.End, reader.Read());
        Assert.Equal(DumpReadResult.End, reader.Read());
    }

    [Fact]
    public void A_corrupt_gzip_dump_gives_a_malformed_result_then_end_without_throwing()
    {
        var records = Records(2_000, payloadBytes: 200).ToList();
        var bytes = DumpText.Gzip(DumpText.Written(w => records.ForEach(r => r.WriteTo(w))));
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++)
        {
            bytes[i] ^= 0x5A;
        }

        using var reader = DumpText.Reader(bytes, name: "corrupt.jsonl.gz");
        var results = DumpText.ReadAll(reader);
        var malformed = results.Where(r => r.Result == DumpReadResult.Malformed).ToList();
        Assert.NotEmpty(malformed);
        Assert.Contains("corrupt", malformed[^1].Error, StringComparison.Ordinal);
        Assert.Equal(DumpReadResult.Malformed, results[^1].Result);
        Assert.True(results.Count(r => r.Result == DumpReadResult.Record) < records.Count);
        Assert.Equal(DumpReadResult.End, reader.Read());
    }

    [Fact]
    public void Gzip_is_detected_by_its_magic_bytes_not_by_the_file_name()
    {
        var records = Records(10, payloadBytes: 50).ToList();
        var gzipNamedPlain = Path.Combine(_directory, "dump.jsonl");
        var plainNamedGzip = Path.Combine(_directory, "dump.gz");
        var gzipByName = Path.Combine(_directory, "dump.jsonl.gz");
        foreach (var (path, gzip) in new[] { (gzipNamedPlain, (bool?)true), (plainNamedGzip, false), (gzipByName, null) })
        {
            using var writer = DumpWriter.Create(path, gzip);
            records.ForEach(r => r.WriteTo(writer));
        }

        Assert.Equal([0x1f, 0x8b], File.ReadAllBytes(gzipByName)[..2]);
        Assert.Equal((byte)'{', File.ReadAllBytes(plainNamedGzip)[0]);
        foreach (var (path, gzip) in new[] { (gzipNamedPlain, true), (plainNamedGzip, false), (gzipByName, true) })
        {
            using var reader = DumpReader.Open(path);
            Assert.Equal(gzip, reader.IsGzip);
            Assert.Equal(path, reader.Name);
            Assert.Equal(records, DumpText.ReadAll(reader).Select(r => r.Record!));
        }
    }

    [Fact]
    public void An_empty_file_and_a_one_byte_file_are_read_without_error()
    {
        using (var empty = DumpText.Reader(""))
        {
            Assert.Equal(DumpReadResult.End, empty.Read());
            Assert.False(empty.IsGzip);
        }

        using var oneByte = DumpText.Reader([0x1f]);
        Assert.Equal(DumpReadResult.Malformed, oneByte.Read());
        Assert.Equal(DumpReadResult.End, oneByte.Read());
    }

    [Theory]
    [InlineData(1_024, false)]
    [InlineData(1_024, true)]
    [InlineData(DumpReader.DefaultBufferSize, false)]
    public void Payloads_larger_than_the_read_buffer_are_read_whole(int bufferSize, bool gzip)
    {
        var random = new Random(42);
        var escaped = new byte[5_000_000];
        random.NextBytes(escaped);   // every byte value: quotes, backslashes, control characters, invalid UTF-8
        var plain = Encoding.UTF8.GetBytes(new string('x', 3_000_000));
        DumpRecord[] records =
        [
            new("t", 0, 0, 1, "create", -1, "small"u8.ToArray(), "1"u8.ToArray(), []),
            new("t", 0, 1, 2, "create", -1, "big"u8.ToArray(), escaped, []),
            new("t", 0, 2, 3, "create", -1, "plain"u8.ToArray(), plain, []),
            new("t", 0, 3, 4, "create", -1, "small"u8.ToArray(), "2"u8.ToArray(), []),
        ];

        var bytes = DumpText.Written(w => Array.ForEach(records, r => r.WriteTo(w)));
        Assert.True(bytes.Length > 5_000_000 + 3_000_000);
        using var reader = DumpText.Reader(bytes, gzip, bufferSize: bufferSize);
        Assert.Equal(records, DumpText.ReadAll(reader).Select(r => r.Record!));
    }

    public void Dispose() => TempDirectory.Delete(_directory);

    private static IEnumerable<DumpRecord> Records(int count, int payloadBytes)
    {
        for (var i = 0; i < count; i++)
        {
            var payload = Encoding.UTF8.GetBytes($"{{\"id\":\"call-{i}\",\"text\":\"{new string((char)('a' + (i % 26)), payloadBytes)}\"}}");
            yield return new DumpRecord(i % 2 == 0 ? "weave.call_started" : "weave.call_ended", i % 3, i, 1_700_000_000_000 + i, "create", 1,
                Encoding.UTF8.GetBytes($"call-{i}"), payload, []);
        }
    }
}
