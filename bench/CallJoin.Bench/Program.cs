using CallJoin.Bench;

return args.FirstOrDefault() switch
{
    "insert" => await InsertRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
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
        """);
    return 2;
}
