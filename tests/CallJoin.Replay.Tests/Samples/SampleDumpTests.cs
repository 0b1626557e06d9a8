using System.Text;
using System.Text.Json;
using CallJoin.Core;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Dumps;
using CallJoin.Replay.Jsonl;
using CallJoin.Workload;

namespace CallJoin.Replay.Tests.Samples;

/// <summary>
/// The recorded sample in <c>samples/dumps</c>: replayed as <c>calljoin replay --sink jsonl:</c> replays it, it gives
/// exactly the committed expected output, and that output is what the workload it was recorded from says it must be.
/// </summary>
public sealed class SampleDumpTests
{
    private const string DumpFile = "weave-sample.jsonl.gz";
    private const string ExpectedFile = "weave-sample.expected.jsonl";

    /// <summary>The running row's <c>ended_at</c> sentinel, as the JSONL output prints it.</summary>
    private const string RunningEndedAt = "1970-01-01 00:00:00.000000";

    /// <summary>The workload the sample was published from: the options of the <c>calljoin produce</c> command in samples/README.md.</summary>
    private static readonly WorkloadOptions s_recorded = new()
    {
        Calls = 300,
        Seed = 9,
        EndBeforeStart = 0.08,
        DuplicateHalf = 0.05,
        OrphanEnd = 0.02,
        NeverEnds = 0.02,
        LongRunning = 0.02,
        LateStart = 0.02,
        Malformed = 0.05,
        MediumPayloads = 0,
        LargePayloads = 0,
    };

    [Fact]
    public async Task Replaying_the_sample_gives_exactly_the_expected_output()
    {
        var (actual, _, _, _) = await ReplayAsync(drain: true);
        var expected = await File.ReadAllBytesAsync(Locate(ExpectedFile), TestContext.Current.CancellationToken);

        if (!actual.AsSpan().SequenceEqual(expected))
        {
            Assert.Fail(FirstDifference(expected, actual));
        }
    }

    [Fact]
    public async Task The_replay_reads_every_record_and_writes_what_the_workload_expects()
    {
        var workload = new WeaveWorkload(s_recorded).Expected;
        Assert.True(s_recorded.Fits(new JoinOptions()));

        var (_, summary, byReason, counters) = await ReplayAsync(drain: true);

        Assert.Equal((workload.Messages, 0L, 0L), (summary.Records, summary.OtherTopics, summary.MalformedLines));
        Assert.Equal((workload.Starts, workload.Ends), (counters.StartsConsumed, counters.EndsConsumed));
        Assert.Equal(workload.CompleteRows + workload.RunningRows, summary.Rows);
        Assert.Equal((workload.CompleteRows, workload.RunningRows, workload.LateMatches), (counters.Matched, counters.RunningRows, counters.LateMatched));
        Assert.Equal((workload.DuplicateHalves, workload.Malformed, workload.StartMissingErrors), (counters.Duplicates, counters.Malformed, counters.StartMissing));
        Assert.Equal(Sorted(workload.ErrorsByReason), Sorted(byReason));
    }

    [Fact]
    public void The_expected_output_holds_every_outcome_the_workload_says_it_must()
    {
        var workload = new WeaveWorkload(s_recorded).Expected;
        var lines = File.ReadAllLines(Locate(ExpectedFile), Encoding.UTF8);
        long complete = 0, running = 0;
        var latest = new Dictionary<string, (string CreatedAt, bool Running)>(StringComparer.Ordinal);
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("reason", out var reason))
            {
                var text = reason.GetString()!;
                errors[text] = errors.GetValueOrDefault(text) + 1;
                continue;
            }

            var isRunning = root.GetProperty("ended_at").GetString() == RunningEndedAt;
            if (isRunning)
            {
                running++;
            }
            else
            {
                complete++;
            }

            var key = root.GetProperty("project_id").GetString() + "/" + root.GetProperty("id").GetString();
            var createdAt = root.GetProperty("created_at").GetString()!;
            if (!latest.TryGetValue(key, out var seen) || string.CompareOrdinal(createdAt, seen.CreatedAt) >= 0)
            {
                latest[key] = (createdAt, isRunning);
            }
        }

        // Not an accidentally empty or one-sided file: complete rows, running rows, start_missing and malformed records.
        Assert.True(complete > 0 && running > 0, $"complete {complete}, running {running}");
        Assert.True(errors.GetValueOrDefault(JoinErrorReason.StartMissing) > 0, "no start_missing records");
        Assert.Contains(errors.Keys, r => r == "malformed_json");
        Assert.True(errors.Keys.Count(r => r.StartsWith("wrong_type:", StringComparison.Ordinal)) > 1, "too few malformed reasons");

        // Every row and record the workload implies, in record-time order and drained at the end of input.
        Assert.Equal(workload.CompleteRows, complete);
        Assert.Equal(workload.RunningRows, running);
        Assert.Equal(Sorted(workload.ErrorsByReason), Sorted(errors));

        // calls_complete FINAL: the latest version of each call.
        Assert.Equal(workload.CallsInTable, latest.Count);
        Assert.Equal(workload.RunningOnlyRows, latest.Values.Count(v => v.Running));

        // Every kind of awkward call is in it.
        Assert.True(workload.DuplicateHalves > 0 && workload.Malformed > 0, "no redeliveries or malformed messages");
        Assert.True(workload.LongRunningCalls > 0 && workload.LateStarts > 0, "no long-running calls or late starts");
        Assert.True(workload.StartMissingErrors > workload.LateStarts, "no orphan ends");
        Assert.True(workload.RunningOnlyRows > 0, "no calls that never end");
    }

    [Fact]
    public async Task The_drain_at_the_end_of_input_writes_the_last_start_missing_records()
    {
        var (drained, _, _, _) = await ReplayAsync(drain: true);
        var (undrained, _, _, _) = await ReplayAsync(drain: false);

        // Orphan ends whose timeouts fall after the last record: only the drain writes them, after everything else.
        Assert.True(undrained.Length < drained.Length, "the drain added nothing");
        Assert.True(drained.AsSpan().StartsWith(undrained), "the drain changed what came before it");
        var tail = Lines(drained[undrained.Length..]);
        Assert.All(tail, line => Assert.StartsWith("{\"reason\":\"start_missing\",", line, StringComparison.Ordinal));
    }

    /// <summary>Replays the sample as <c>calljoin replay DUMP --sink jsonl:PATH</c> does (default join options, in-memory pending store).</summary>
    private static async Task<(byte[] Output, ReplaySummary Summary, IReadOnlyDictionary<string, long> ErrorsByReason, JoinCounters Counters)> ReplayAsync(bool drain)
    {
        using var store = new InMemoryPendingStore();
        using var input = new DumpMerge([DumpReader.Open(Locate(DumpFile))]);
        using var stream = new MemoryStream();
        var result = await JsonlReplay.RunAsync(input, stream, store, new JoinOptions(), WeaveTopics.CallStarted, WeaveTopics.CallEnded, drain,
            onMalformedLine: null, progress: null, TestContext.Current.CancellationToken);
        var (summary, byReason, counters) = (result.Summary, result.ErrorsByReason, result.Counters);
        return (stream.ToArray(), summary, byReason, counters);
    }

    /// <summary>The first line where the output differs from the expected file, with both lines.</summary>
    private static string FirstDifference(byte[] expected, byte[] actual)
    {
        var want = Lines(expected);
        var got = Lines(actual);
        for (var i = 0; i < Math.Max(want.Count, got.Count); i++)
        {
            var w = i < want.Count ? want[i] : null;
            var g = i < got.Count ? got[i] : null;
            if (w != g)
            {
                var column = w is null || g is null ? 1 : w.AsSpan().CommonPrefixLength(g) + 1;
                return $"""
                    The replay of {DumpFile} differs from {ExpectedFile} first at line {i + 1}, character {column} ({want.Count} lines expected, {got.Count} replayed).
                    (Regenerate the expected file as samples/README.md says if the change is intended.)
                    expected: {w ?? "<end of file>"}
                    replayed: {g ?? "<end of output>"}
                    """;
            }
        }

        return $"The replay of {DumpFile} differs from {ExpectedFile} only in line endings or a final newline.";
    }

    private static List<string> Lines(byte[] utf8)
    {
        var lines = Encoding.UTF8.GetString(utf8).Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static List<(string Reason, long Count)> Sorted(IEnumerable<KeyValuePair<string, long>> byReason) =>
        [.. byReason.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, r.Value))];

    /// <summary>A file of <c>samples/dumps</c>, found from the test binary's directory upward.</summary>
    private static string Locate(string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "dumps", fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"samples/dumps/{fileName} not found above {AppContext.BaseDirectory}");
    }
}
