using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using ClickHouse.Driver;

namespace CallJoin.Bench;

/// <summary>
/// Rows/s into calls_complete through <see cref="ClickHouseSink"/> (rows built by the real row builder from start/end
/// payloads, encoded, batched, inserted, acknowledged), with one and two parallel inserts, next to a plain HttpClient
/// RowBinary POST of the same rows in the same batches (pre-encoded: the ceiling). Each run into an emptied table,
/// verified by count().
/// </summary>
internal static class SinkRateBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = BenchArgs.Int(args, "--rows", 200_000);
        var dumpBytes = BenchArgs.Int(args, "--dump-bytes", 1024);

        await using var clickHouse = await BenchTarget.StartAsync(args, "sink");

        var sw = Stopwatch.StartNew();
        var payloads = new (byte[] Start, byte[] End)[rows];
        for (var i = 0; i < rows; i++)
        {
            payloads[i] = Payloads(i, dumpBytes);
        }

        Console.WriteLine($"generated {rows:N0} start/end payload pairs in {sw.Elapsed.TotalSeconds:F1} s");
        var builder = new CallRowBuilder();
        var row = new CallRowData();
        sw.Restart();
        foreach (var (start, end) in payloads)
        {
            builder.Build(start, end, row);
        }

        var buildSeconds = sw.Elapsed.TotalSeconds;
        var defaults = new SinkOptions();
        var batches = EncodeBatches(payloads, builder, row, defaults);
        var rowBinaryBytes = batches.Sum(b => (long)b.Length);
        Console.WriteLine($"row builder alone: {rows / buildSeconds:N0} rows/s; RowBinary {rowBinaryBytes / 1e6:F0} MB in {batches.Count} batches");

        var client = clickHouse.Client;
        var database = clickHouse.Database;
        var results = new List<string>();
        async Task Measure(string name, Func<Task> insert) => results.Add(await clickHouse.MeasureInsertAsync(name, rows, rowBinaryBytes, insert));

        // Warm-up (JIT, connections, the engine's first parts), not measured: a tenth of the rows through the sink.
        await using (var warm = new ClickHouseSink(client, defaults with { Database = database }))
        {
            for (var i = 0; i < payloads.Length / 10; i++)
            {
                builder.Build(payloads[i].Start, payloads[i].End, row);
                warm.AddRow(row, 1_000, default);
            }

            await warm.CompleteAsync();
        }

        Console.WriteLine("| path | rows/s | MB/s (RowBinary) | seconds | count |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (parallel, gzip) in new[] { (1, false), (2, false), (2, true) })
        {
            var options = defaults with { MaxParallelInserts = parallel, Gzip = gzip, Database = database };
            await Measure($"ClickHouseSink, {parallel} parallel insert{(parallel > 1 ? "s" : "")}, {(gzip ? "gzip" : "no compression")} (incl. row building)", async () =>
            {
                await using var sink = new ClickHouseSink(client, options);
                for (var i = 0; i < payloads.Length; i++)
                {
                    builder.Build(payloads[i].Start, payloads[i].End, row);
                    sink.AddRow(row, 1_000, new RowSources(new SourcePosition(0, i), new SourcePosition(0, i), Complete: true));
                    if ((i & 1023) == 1023)
                    {
                        await sink.WaitForCapacityAsync();
                    }
                }

                await sink.CompleteAsync();
            });
        }

        var transport = new DriverInsertTransport(client, gzip: false);
        await Measure("ClickHouse.Driver InsertRawStreamAsync (the sink's transport), same batches, 1 at a time, identity (pre-encoded)", async () =>
        {
            for (var b = 0; b < batches.Count; b++)
            {
                await transport.InsertAsync($"{database}.calls_complete", CallRowEncoder.ColumnNames, batches[b], "bench-" + b, CancellationToken.None);
            }
        });

        var endpoint = clickHouse.Endpoint;
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        foreach (var parallel in new[] { 1, 2 })
        {
            await Measure($"HttpClient RowBinary POST, same batches, {parallel} parallel, identity (pre-encoded)", () =>
                Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (batch, ct) => await PostAsync(http, endpoint, database, batch, ct)));
        }

        var header = $"\n## sink rate — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {rows:N0} rows, ~{dumpBytes} B of dumps per row, {clickHouse.Description}, {Environment.ProcessorCount} cores\n\n" +
            $"Row builder alone: {rows / buildSeconds:N0} rows/s (included in the sink rows). Batches as the sink's defaults seal them ({defaults.MaxBatchRows:N0} rows or {defaults.MaxBatchBytes >> 20} MiB): {batches.Count}.\n\n" +
            "| path | rows/s | MB/s (RowBinary) | seconds | count |\n|---|---|---|---|---|\n";
        await BenchArgs.AppendResultsAsync(args, header + string.Join('\n', results) + "\n");

        return 0;
    }

    /// <summary>The rows encoded as the sink encodes them, cut where the sink's size limits would seal a batch.</summary>
    private static List<byte[]> EncodeBatches((byte[] Start, byte[] End)[] payloads, CallRowBuilder builder, CallRowData row, SinkOptions limits)
    {
        var batches = new List<byte[]>();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
        var count = 0;
        foreach (var (start, end) in payloads)
        {
            builder.Build(start, end, row);
            CallRowEncoder.Write(buffer, row, 1_000);
            if (++count >= limits.MaxBatchRows || buffer.WrittenCount >= limits.MaxBatchBytes)
            {
                batches.Add(buffer.WrittenSpan.ToArray());
                buffer.ResetWrittenCount();
                count = 0;
            }
        }

        if (count > 0)
        {
            batches.Add(buffer.WrittenSpan.ToArray());
        }

        return batches;
    }

    private static async Task PostAsync(HttpClient http, Uri endpoint, string database, byte[] payload, CancellationToken ct)
    {
        var query = $"INSERT INTO {database}.calls_complete ({string.Join(", ", CallRowEncoder.ColumnNames)}) FORMAT RowBinary";
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PostAsync(new Uri(endpoint, "?query=" + Uri.EscapeDataString(query)), content, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"insert failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>A start and end message whose four dumps total about <paramref name="dumpBytes"/> (45/30/10/15 %).</summary>
    private static (byte[] Start, byte[] End) Payloads(int i, int dumpBytes)
    {
        var started = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(i * 1_000L);
        var id = new Guid(i, 0x7a1b, 0x4c2d, 1, 2, 3, 4, 5, 6, 7, 8).ToString();
        var at = started.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        var endedAt = started.AddMilliseconds(250 + (i % 1000)).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        var project = "entity/project-" + (i % 16);
        var start = new StringBuilder(dumpBytes + 512)
            .Append(CultureInfo.InvariantCulture, $"{{\"project_id\":\"{project}\",\"id\":\"{id}\",\"op_name\":\"weave-trace-internal:///{project}/op/predict:v{i % 5}\",")
            .Append(CultureInfo.InvariantCulture, $"\"trace_id\":\"trace-{i / 8}\",\"parent_id\":\"{(i % 8 == 0 ? "" : "parent-" + (i / 8))}\",\"started_at\":\"{at}\",")
            .Append(CultureInfo.InvariantCulture, $"\"wb_user_id\":\"user-{i % 100}\",\"wb_run_step\":{i},")
            .Append("\"inputs\":").Append(CallRowGenerator.DumpText("inputs", i, dumpBytes * 45 / 100)).Append(",\"attributes\":").Append(CallRowGenerator.DumpText("attributes", i, dumpBytes * 15 / 100))
            .Append('}');
        var end = new StringBuilder(dumpBytes + 256)
            .Append(CultureInfo.InvariantCulture, $"{{\"project_id\":\"{project}\",\"id\":\"{id}\",\"started_at\":\"{at}\",\"ended_at\":\"{endedAt}\",")
            .Append("\"output\":").Append(CallRowGenerator.DumpText("output", i, dumpBytes * 30 / 100)).Append(",\"summary\":").Append(CallRowGenerator.DumpText("summary", i, dumpBytes * 10 / 100))
            .Append('}');
        return (Encoding.UTF8.GetBytes(start.ToString()), Encoding.UTF8.GetBytes(end.ToString()));
    }
}
