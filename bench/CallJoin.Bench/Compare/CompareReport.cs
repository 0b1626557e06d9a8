using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallJoin.Bench.Compare;

/// <summary>What a compare run measured: a row per contender and variant, and the data's parameters.</summary>
internal sealed record CompareReport(
    DateTimeOffset At,
    bool Quick,
    int Cores,
    IReadOnlyList<VariantParameters> Variants,
    IReadOnlyList<ContenderResult> Contenders,
    IReadOnlyList<string> Invalid)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Every contender that ran gave the right counts and no variant's broker dropped data.</summary>
    public bool Passed => Invalid.Count == 0 && Contenders.All(c => c.Correct || !c.Ran);

    /// <summary>0 when <see cref="Passed"/>, 3 when a broker dropped data (an invalid run), 1 otherwise.</summary>
    public int ExitCode => Invalid.Count > 0 ? 3 : Passed ? 0 : 1;

    /// <summary>Writes NAME.json, NAME.md and NAME.png to <paramref name="directory"/>.</summary>
    public void WriteTo(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".json"), ToJson());
        File.WriteAllText(Path.Combine(directory, name + ".md"), ToMarkdown(name));
        CompareChart.Write(Path.Combine(directory, name + ".png"), this);
    }

    public string ToJson()
    {
        var document = new
        {
            at = At.ToString("O", CultureInfo.InvariantCulture),
            quick = Quick,
            cores = Cores,
            variants = Variants,
            invalid = Invalid,
            contenders = Contenders.Select(c => c with
            {
                P50Ms = Finite(c.P50Ms),
                P99Ms = Finite(c.P99Ms),
            }),
        };
        return JsonSerializer.Serialize(document, Json);
    }

    public string ToMarkdown(string name)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Side by side: `calljoin-bench compare{(Quick ? " --quick" : "")}` — {At:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"One machine ({Cores} cores, shared), the embedded broker (librdkafka's mock cluster) and ClickHouse (chDB) in the harness's process, contenders one after another on the same data.{(Quick ? " Quick mode: tiny data, start-up costs dominate; the figures are indicative only." : "")}");
        md.AppendLine();
        md.AppendLine("| variant | calls | records | MB | bytes per record | partitions per topic | halves |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var v in Variants)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {v.Variant} | {v.Calls:N0} | {v.Records:N0} | {v.Bytes / 1e6:F1} | {v.Bytes / Math.Max(1, v.Records):N0} | {v.Partitions} | {(v.CompactHalves ? "compact (CompactHalves, no medium or large payloads)" : "default workload")} |");
        }

        if (Invalid.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("**Invalid run** (the broker dropped data): " + string.Join("; ", Invalid));
        }

        md.AppendLine();
        md.AppendLine("| contender | variant | records/s | MB/s | CPU s / 1M records | harness CPU s / 1M | peak RSS MiB | p50 ms | p99 ms | query memory MiB | correct | note |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var c in Contenders)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {c.Name} | {c.Variant} | {N0(c.RecordsPerSecond)} | {F(c.MegabytesPerSecond, 1)} | {F(c.CpuSecondsPerMillion, 1)} | {F(c.HarnessCpuSecondsPerMillion, 1)} | {F(c.PeakRssMib, 0)} | {F(Finite(c.P50Ms), 0)} | {F(Finite(c.P99Ms), 0)} | {F(c.QueryMemoryMib, 1)} | {(c.Correct ? "yes" : c.Ran ? "**NO**" : "not run")} | {c.Note?.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![records per second]({name}.png)");
        md.AppendLine();
        md.AppendLine("""
            ## What each row measures

            - **raw-consume**: a bare Confluent.Kafka consumer draining both topics from offset 0: the ceiling. In the harness's process.
            - **option1-worker**: the seed plan's Option 1 worker: per end from Kafka, one SELECT of its start from call_parts, one INSERT into calls_complete. Starts written to call_parts first (not timed); capped by ends or time. In the harness's process (with the ClickHouse answering it).
            - **calls-merged-mv**: the legacy path: every half into call_parts in batches, folded by the materialized view into calls_merged. In the harness's process (with the ClickHouse doing the view's work).
            - **calljoin-service/null-sink**: `calljoin run` (child process) on the published backlog with `CALLJOIN__SINK__DISCARD=true`: rows built, encoded and acknowledged, never sent; lookups off (`LatePartners=retainedstate`), no migrations. From ready to every call matched and acknowledged (`/metrics`).
            - **calljoin-service/clickhouse**: the same with the production defaults, until every complete row is in calls_complete. p50/p99: a few calls published in real time after the backlog, from a call's last half handed to the producer to its row seen by a 100 ms poll (resolution ~100–200 ms).
            - **calljoin-replay/jsonl**, **calljoin-replay/clickhouse**: `calljoin replay` (child process) over a kcat -J dump of the same messages, from process start to exit (start-up included).
            - **streamiz**: the same join as a Streamiz.Kafka.Net application (KafkaStream, RocksDB window stores, changelogs) on the variant's broker from offset 0: window 5 min (our start timeout), grace the record-time span of all the topics hold + 1 min, so its stores keep every half. From the first record in to the last row out; CPU over the whole run of the harness's process (broker included). Correct when it produced every start/end pair on the topics at most 5 min apart (no running rows, no late completion).
            - **streamiz/in-process**: the same topology through Streamiz's TopologyTestDriver, the workload's halves piped in record-time order (RocksDB stores, no broker, changelogs or consumer); first record piped to last. Correct when it gives every pair at most 5 min apart.
            - **read/calls_merged**, **read/calls_complete**: the read API's top-100 call list on the legacy table (GROUP BY) and on calls_complete (FINAL, as replay wrote it): latency over several runs and the query's peak memory (smallest `max_memory_usage` that completes; the embedded engine keeps no system.query_log).

            CPU is that of the process doing the work: the child's (from `/proc`) or, in-process, the harness's, which also runs the embedded broker and ClickHouse. For the children, "harness CPU" is what the harness spent meanwhile, mostly ClickHouse. Peak RSS is VmHWM of that process (the harness's is reset before each in-process contender and includes the data it holds). Input bytes are keys and values as published.

            ## How to run

            ```bash
            dotnet run --project bench/CallJoin.Bench -c Release -- compare            # ~1M + ~100k records, about 20 minutes
            dotnet run --project bench/CallJoin.Bench -c Release -- compare --quick    # a few thousand records, under 3 minutes
            ```
            """);
        return md.ToString();
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static string N0(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "–";

    private static string F(double? value, int digits) => value is { } v ? v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "–";
}
