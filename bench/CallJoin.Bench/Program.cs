using CallJoin.Bench;

return args.FirstOrDefault() switch
{
    "insert" => await InsertRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "sink" => await SinkRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "backfill" => await BackfillRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
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
          backfill [--calls N (100000)] [--days D (4)] [--clickhouse CONNECTION-STRING] [--out FILE]
              rows/s of calljoin backfill without a rate limit, from a Weave-like workload written to call_parts
              as the old trace server did (the write is not measured).
        """);
    return 2;
}
