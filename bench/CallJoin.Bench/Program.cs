using CallJoin.Bench;

return args.FirstOrDefault() switch
{
    "insert" => await InsertRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "sink" => await SinkRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "read-path" => await ReadPathBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: calljoin-bench SCENARIO [options]

        scenarios:
          insert [--rows N (1000000)] [--dump-bytes B (1024)] [--clickhouse CONNECTION-STRING] [--out FILE]
              rows/s into calls_complete through ClickHouse.Driver's binary insert, next to a plain HttpClient
              RowBinary POST of the same rows; against the embedded ClickHouse unless --clickhouse is given.
          sink [--rows N (200000)] [--dump-bytes B (1024)] [--clickhouse CONNECTION-STRING] [--out FILE]
              rows/s through ClickHouseSink (row building, encoding, batching, acks) with 1 and 2 parallel
              inserts, next to a plain HttpClient RowBinary POST of the same rows in the same batches.
          read-path [--calls N (200000)] [--dump-bytes B (1024)] [--runs R (5)] [--clickhouse CONNECTION-STRING] [--out FILE]
              the read API's top-100 call list on calls_merged (GROUP BY) and calls_complete (FINAL) on identical
              data: median latency and peak memory (system.query_log) side by side.
        """);
    return 2;
}
