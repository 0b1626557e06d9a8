using CallJoin.Bench;
using CallJoin.Bench.BoundedState;
using CallJoin.Bench.Compare;

return args.FirstOrDefault() switch
{
    "insert" => await InsertRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "sink" => await SinkRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "chaos" => await ChaosBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "backfill" => await BackfillRateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "read-path" => await ReadPathBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "dashboard" => await DashboardBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "compare" => await CompareBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
    "bounded-state" => await BoundedStateBench.RunAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
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
          chaos [--short] [--calls N (200000; short 3000)] [--seed S (1)] [--partitions P (96; short 12)] [--kills K (20; short 3)]
                [--out DIR (bench/results)]
              the service (`calljoin run`, 2-3 child processes in one consumer group) against the embedded broker and
              ClickHouse while a workload is published in real time: kill -9, broker request errors and a broker down,
              ClickHouse suspended (60 s; short 4 s), members joining and leaving. Reports calls lost, ends lost and
              duplicates under FINAL, error records against the workload, faults applied and peak memory, in
              DIR/chaos.md and chaos.json (short: chaos-short.*). Exit 1 when anything was lost or doubled, 3 when the
              broker dropped data (invalid run), 4 when a fault's wait ran out. About 20 minutes in full, 1.5 short.
          backfill [--calls N (100000)] [--days D (4)] [--clickhouse CONNECTION-STRING] [--out FILE]
              rows/s of calljoin backfill without a rate limit, from a Weave-like workload written to call_parts
              as the old trace server did (the write is not measured).
          read-path [--calls N (200000)] [--dump-bytes B (1024)] [--runs R (5)] [--clickhouse CONNECTION-STRING] [--out FILE]
              the read API's top-100 call list on calls_merged (GROUP BY) and calls_complete (FINAL) on identical
              data: median latency and peak memory (system.query_log) side by side.
          dashboard [--seconds S (80)] [--calls-per-second C (200)] [--partitions P (12)] [--out FILE (samples/grafana/calljoin.png)]
              the service on the embedded broker and ClickHouse under a workload published in real time, with broker
              request errors, ClickHouse away for 15 s and a burst along the way; /metrics scraped every second and
              the Grafana dashboard's main panels drawn from it into a PNG.
          compare [--quick] [--out DIR (bench/results)]
              every way of joining the same Weave-like data side by side, one after another on this machine, in two
              variants (small: compact halves, ~1M records; default: the default workload, ~100k): a bare consumer (the
              ceiling), `calljoin run` with a null sink and with ClickHouse, `calljoin replay` into JSONL and ClickHouse,
              the plan's Option 1 per-message worker, the legacy call_parts -> calls_merged view, and the top-100 read on
              calls_merged and calls_complete. Records/s, MB/s, CPU s per 1M records, peak RSS, latency, correctness in
              DIR/compare.json, .md and .png (quick: compare-quick.*, a few thousand records, under 3 minutes). Exit 1
              when a contender's counts are wrong, 3 when the broker dropped data (invalid run). About 20 minutes in full.
          bounded-state [--part all|trail|restart] [--calls-per-second C (50000)] [--minutes M (60)] [--retained-minutes R (10)]
                        [--open-halves N (1000000)] [--out DIR (bench/results)]
              trail: how far committed offsets trail reading over M minutes of production-like traffic in compressed time
              (1 % long-running calls, 0.5 % orphan ends) through the real join engine and offset ledger, with lookups and
              with retained state (R minutes); restart: a real service holding N open halves restarted gracefully, after
              kill -9 and on an empty volume, timed to /readyz. Writes DIR/bounded-state-trail.md and -restart.md.
        """);
    return 2;
}
