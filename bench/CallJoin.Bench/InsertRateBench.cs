using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using CallJoin.ClickHouse.RowBinary;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver;

namespace CallJoin.Bench;

/// <summary>
/// Insert rate into calls_complete: ClickHouse.Driver's binary insert next to a plain HttpClient RowBinary POST of the
/// same rows (the ceiling of the HTTP path), each into an emptied table and verified by count().
/// </summary>
internal static class InsertRateBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = BenchArgs.Int(args, "--rows", 1_000_000);
        var dumpBytes = BenchArgs.Int(args, "--dump-bytes", 1024);

        await using var clickHouse = await BenchTarget.StartAsync(args, "insert");
        var types = CallsCompleteTable.Columns.Where(c => CallRowGenerator.Columns.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Type);

        var sw = Stopwatch.StartNew();
        var data = new object[rows][];
        for (var i = 0; i < rows; i++)
        {
            data[i] = CallRowGenerator.Row(i, dumpBytes);
        }

        Console.WriteLine($"generated {rows:N0} rows in {sw.Elapsed.TotalSeconds:F1} s");
        sw.Restart();
        var body = Encode(data);
        var encodeSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var gzipped = Gzip(body.WrittenMemory);
        var gzipSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"RowBinary: {body.WrittenCount / 1e6:F0} MB in {encodeSeconds:F1} s; gzip (fastest): {gzipped.Length / 1e6:F0} MB in {gzipSeconds:F1} s");

        var results = new List<string>();
        async Task Measure(string name, Func<Task> insert) => results.Add(await clickHouse.MeasureInsertAsync(name, rows, body.WrittenCount, insert));

        Console.WriteLine("| path | rows/s | MB/s (RowBinary) | seconds | count |");
        Console.WriteLine("|---|---|---|---|---|");
        await Measure("ClickHouse.Driver InsertBinaryAsync (gzip, default)", () =>
            clickHouse.Client.InsertBinaryAsync($"{clickHouse.Database}.calls_complete", CallRowGenerator.Columns, data, new InsertOptions { ColumnTypes = types }));
        using (var plain = new ClickHouseClient(clickHouse.ConnectionString + ";Compression=false"))
        {
            await Measure("ClickHouse.Driver InsertBinaryAsync (no compression)", () =>
                plain.InsertBinaryAsync($"{clickHouse.Database}.calls_complete", CallRowGenerator.Columns, data, new InsertOptions { ColumnTypes = types }));
        }

        var endpoint = clickHouse.Endpoint;
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        await Measure("HttpClient RowBinary POST (identity)", () => PostAsync(http, endpoint, clickHouse.Database, body.WrittenMemory, null));
        await Measure("HttpClient RowBinary POST (gzip, pre-compressed)", () => PostAsync(http, endpoint, clickHouse.Database, gzipped, "gzip"));

        var header = $"\n## insert rate — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {rows:N0} rows, ~{dumpBytes} B of dumps per row, {clickHouse.Description}, {Environment.ProcessorCount} cores\n\n| path | rows/s | MB/s (RowBinary) | seconds | count |\n|---|---|---|---|---|\n";
        await BenchArgs.AppendResultsAsync(args, header + string.Join('\n', results) + "\n");

        return 0;
    }

    private static async Task PostAsync(HttpClient http, Uri endpoint, string database, ReadOnlyMemory<byte> payload, string? encoding)
    {
        var query = $"INSERT INTO {database}.calls_complete ({string.Join(", ", CallRowGenerator.Columns)}) FORMAT RowBinary";
        using var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        using var response = await http.PostAsync(new Uri(endpoint, "?query=" + Uri.EscapeDataString(query)), content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"insert failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Encodes the rows as RowBinary in <see cref="CallRowGenerator.Columns"/> order.</summary>
    private static ArrayBufferWriter<byte> Encode(object[][] data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length * 1400);
        var w = new RowBinaryWriter(buffer);
        foreach (var r in data)
        {
            w.WriteString((string)r[0]);
            w.WriteString((string)r[1]);
            w.WriteDateTime64Millis(RowBinaryWriter.ToMicros((DateTime)r[2]) / 1000);
            w.WriteString((string)r[3]);
            w.WriteString((string)r[4]);
            w.WriteDateTime64Micros(RowBinaryWriter.ToMicros((DateTime)r[5]));
            w.WriteDateTime64Micros(RowBinaryWriter.ToMicros((DateTime)r[6]));
            for (var c = 7; c <= 13; c++)
            {
                w.WriteString((string)r[c]);
            }

            WriteArray(w, (string[])r[14]);
            w.WriteString((string)r[15]);
            w.WriteString((string)r[16]);
            WriteArray(w, (string[])r[17]);
            w.WriteString((string)r[18]);
            w.WriteUInt64((ulong)r[19]);
            w.WriteUInt64((ulong)r[20]);
            w.WriteEnum8(CallsCompleteTable.CallJoinSource);
        }

        return buffer;
    }

    private static void WriteArray(RowBinaryWriter w, string[] items)
    {
        w.WriteArrayLength(items.Length);
        foreach (var s in items)
        {
            w.WriteString(s);
        }
    }

    private static byte[] Gzip(ReadOnlyMemory<byte> data)
    {
        using var output = new MemoryStream(data.Length / 2);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data.Span);
        }

        return output.ToArray();
    }
}
