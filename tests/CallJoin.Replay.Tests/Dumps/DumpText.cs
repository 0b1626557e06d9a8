using System.IO.Compression;
using System.Text;
using CallJoin.Dumps;

namespace CallJoin.Replay.Tests.Dumps;

/// <summary>Builds in-memory dumps for tests and reads them back.</summary>
internal static class DumpText
{
    /// <summary>A reader over <paramref name="text"/> as UTF-8, optionally gzip-compressed.</summary>
    public static DumpReader Reader(string text, bool gzip = false, string name = "test.jsonl", int bufferSize = DumpReader.DefaultBufferSize) =>
        Reader(Encoding.UTF8.GetBytes(text), gzip, name, bufferSize);

    public static DumpReader Reader(byte[] bytes, bool gzip = false, string name = "test.jsonl", int bufferSize = DumpReader.DefaultBufferSize) =>
        new(new MemoryStream(gzip ? Gzip(bytes) : bytes), name, leaveOpen: false, bufferSize);

    public static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>The bytes a writer produces for <paramref name="write"/>.</summary>
    public static byte[] Written(Action<DumpWriter> write)
    {
        var output = new MemoryStream();
        using (var writer = new DumpWriter(output, leaveOpen: true))
        {
            write(writer);
        }

        return output.ToArray();
    }

    /// <summary>Reads every result: records as <see cref="DumpRecord"/>, malformed lines as their line number and error.</summary>
    public static List<(DumpReadResult Result, long Line, DumpRecord? Record, string? Error)> ReadAll(DumpReader reader)
    {
        var results = new List<(DumpReadResult, long, DumpRecord?, string?)>();
        while (true)
        {
            var result = reader.Read();
            if (result == DumpReadResult.End)
            {
                return results;
            }

            results.Add((result, reader.LineNumber, result == DumpReadResult.Record ? DumpRecord.From(reader) : null, reader.Error));
        }
    }
}
