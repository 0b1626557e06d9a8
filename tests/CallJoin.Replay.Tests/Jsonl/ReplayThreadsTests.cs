using System.IO.Hashing;
using System.Text;
using CallJoin.Core;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Dumps;
using CallJoin.Replay.Jsonl;
using CallJoin.Workload;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>
/// A JSONL replay on several engines writes exactly the bytes one engine writes: the same dumps (two of them, merged,
/// with malformed lines and another topic's records) through 1, 2 and 3 engines give the single engine's lines in its
/// order, timeouts in mid-stream and in the drain included.
/// </summary>
public sealed class ReplayThreadsTests
{
    private const int Partitions = 5;

    private static readonly WorkloadOptions s_workload = new()
    {
        Calls = 1500,
        Seed = 21,
        EndBeforeStart = 0.08,
        DuplicateHalf = 0.05,
        OrphanEnd = 0.03,
        NeverEnds = 0.03,
        LongRunning = 0.02,
        LateStart = 0.02,
        Malformed = 0.05,
        MediumPayloads = 0,
        LargePayloads = 0,
    };

    private static readonly Lazy<(byte[] Starts, byte[] Ends, int Junk)> s_dumps = new(WriteDumps);

    public static TheoryData<int, bool, int> Cases => new()
    {
        { 0, true, 16 },       // default timeouts, drained in rounds of stream time
        { 0, true, 1 << 20 },  // default timeouts, drained at once
        { 0, false, 1 << 20 }, // no drain
        { 1, true, 16 },       // every half times out at the next record: many timeouts due at the same time on every engine
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task One_two_and_three_engines_write_the_bytes_one_engine_writes(int timeoutsKind, bool drain, int drainRoundTimers)
    {
        var join = timeoutsKind == 0 ? new JoinOptions() : new JoinOptions { StartTimeout = TimeSpan.Zero, EndTimeout = TimeSpan.FromMilliseconds(1) };
        var expected = await SingleEngineAsync(join, drain);
        var text = Encoding.UTF8.GetString(expected);

        // What makes the comparison worth doing: rows, timeouts before the end of input, error records of malformed halves.
        Assert.Contains("\"ended_at\":\"1970-01-01 00:00:00.000000\"", text, StringComparison.Ordinal);
        Assert.Contains("{\"reason\":\"start_missing\"", text, StringComparison.Ordinal);
        Assert.Contains("{\"reason\":\"malformed_json\"", text, StringComparison.Ordinal);

        foreach (var engines in new[] { 1, 2, 3 })
        {
            var (actual, result) = await EnginesAsync(engines, join, drain, drainRoundTimers);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{engines} engines: {FirstDifference(expected, actual)}");
            Assert.Equal((s_dumps.Value.Junk, s_dumps.Value.Junk), (result.Summary.MalformedLines, result.Summary.OtherTopics));
            Assert.Equal(text.Count(c => c == '\n'), result.Summary.Rows + result.Summary.Errors);
        }
    }

    [Fact]
    public async Task A_failing_output_fails_the_replay_with_its_error()
    {
        var stores = Enumerable.Range(0, 2).Select(_ => (IPendingStore)new InMemoryPendingStore()).ToList();
        try
        {
            using var input = Input();
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => JsonlReplay.RunAsync(input, new BrokenStream(), stores, new JoinOptions(),
                WeaveTopics.CallStarted, WeaveTopics.CallEnded, drain: true, onMalformedLine: null, progress: null, TestContext.Current.CancellationToken));
            Assert.IsType<IOException>(failure.InnerException);
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    /// <summary>The reference: one engine fed on this thread, as the ClickHouse replay feeds it.</summary>
    private static async Task<byte[]> SingleEngineAsync(JoinOptions join, bool drain)
    {
        using var store = new InMemoryPendingStore();
        using var input = Input();
        using var stream = new MemoryStream();
        using (var lines = new JsonlJoinOutput(stream, WeaveTopics.CallStarted, WeaveTopics.CallEnded, leaveOpen: true))
        {
            var counting = new CountingOutput<JsonlJoinOutput>(lines);
            var engine = new JoinEngine<CountingOutput<JsonlJoinOutput>>(store, join, counting);
            await DumpReplay.RunAsync(input, engine, WeaveTopics.CallStarted, WeaveTopics.CallEnded, drain, waitForOutput: null, onMalformedLine: null,
                progress: null, () => (counting.Rows, counting.Errors), TestContext.Current.CancellationToken);
        }

        return stream.ToArray();
    }

    private static async Task<(byte[] Output, JsonlReplayResult Result)> EnginesAsync(int engines, JoinOptions join, bool drain, int drainRoundTimers)
    {
        var stores = Enumerable.Range(0, engines).Select(_ => (IPendingStore)new InMemoryPendingStore()).ToList();
        try
        {
            using var input = Input();
            using var stream = new MemoryStream();
            var result = await JsonlReplay.Run(input, stream, stores, join, WeaveTopics.CallStarted, WeaveTopics.CallEnded, drain,
                onMalformedLine: null, progress: null, drainRoundTimers, TestContext.Current.CancellationToken);
            return (stream.ToArray(), result);
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    private static DumpMerge Input() =>
        new([new DumpReader(new MemoryStream(s_dumps.Value.Starts), "starts.jsonl"), new DumpReader(new MemoryStream(s_dumps.Value.Ends), "ends.jsonl")]);

    /// <summary>The workload as two dumps, one per topic (as kcat records them), keys hashed to partitions, with junk.</summary>
    private static (byte[] Starts, byte[] Ends, int Junk) WriteDumps()
    {
        using var starts = new MemoryStream();
        using var ends = new MemoryStream();
        var offsets = new long[2 * Partitions];
        var junk = 0;
        using (var startWriter = new DumpWriter(starts, leaveOpen: true))
        using (var endWriter = new DumpWriter(ends, leaveOpen: true))
        {
            var n = 0;
            foreach (var e in new WeaveWorkload(s_workload).Events())
            {
                var partition = (int)(XxHash3.HashToUInt64(e.Key) % Partitions);
                var (writer, topic, slot) = e.Side == CallSide.Start
                    ? (startWriter, WeaveTopics.CallStarted, partition)
                    : (endWriter, WeaveTopics.CallEnded, Partitions + partition);
                writer.Write(topic, partition, offsets[slot]++, e.TimestampMillis, e.Key, hasKey: true, e.Payload, hasPayload: true);
                if (++n % 1000 == 0)
                {
                    // A line that is not a record, and a record of a topic the replay skips.
                    writer.Flush();
                    (e.Side == CallSide.Start ? starts : ends).Write("{\"topic\":\"weave.call_started\",\"partition\":\n"u8);
                    writer.Write("other.topic", 0, n, e.TimestampMillis, e.Key, hasKey: true, e.Payload, hasPayload: true);
                    junk++;
                }
            }
        }

        Assert.True(junk > 0);
        return (starts.ToArray(), ends.ToArray(), junk);
    }

    private static string FirstDifference(byte[] expected, byte[] actual)
    {
        var want = Encoding.UTF8.GetString(expected).Split('\n');
        var got = Encoding.UTF8.GetString(actual).Split('\n');
        for (var i = 0; i < Math.Max(want.Length, got.Length); i++)
        {
            var w = i < want.Length ? want[i] : "<end>";
            var g = i < got.Length ? got[i] : "<end>";
            if (w != g)
            {
                return $"line {i + 1} of {want.Length}: expected {w[..Math.Min(w.Length, 300)]} got {g[..Math.Min(g.Length, 300)]}";
            }
        }

        return "the same lines";
    }

    /// <summary>An output whose writes fail, as a full disk's would.</summary>
    private sealed class BrokenStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("no space left on device");

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("no space left on device");
    }
}
