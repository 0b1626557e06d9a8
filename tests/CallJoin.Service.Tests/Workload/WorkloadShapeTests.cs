using System.Text;
using System.Text.Json;
using CallJoin.Core.Halves;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Workload;

/// <summary>What the workload's messages look like: deterministic, ordered, valid, consistent trace trees, sized as configured.</summary>
public sealed class WorkloadShapeTests
{
    [Fact]
    public void The_same_options_give_the_same_events_byte_for_byte_and_other_seeds_do_not()
    {
        var options = new WorkloadOptions { Calls = 3_000, Seed = 9 };
        var first = new WeaveWorkload(options);
        var second = new WeaveWorkload(options);

        // Two enumerations side by side (each has its own state), and a second workload from equal options.
        var pairs = first.Events().Zip(first.Events()).Zip(second.Events()).ToList();

        Assert.Equal(first.Expected.Messages, pairs.Count);
        Assert.All(pairs, p => AssertSame(p.First.First, p.First.Second));
        Assert.All(pairs, p => AssertSame(p.First.First, p.Second));
        Assert.Equal(first.Expected, second.Expected with { ErrorsByReason = first.Expected.ErrorsByReason });
        Assert.Equal(first.Expected.ErrorsByReason, second.Expected.ErrorsByReason);
        var other = new WeaveWorkload(options with { Seed = 10 }).Events().Take(50).Select(e => Convert.ToHexString(e.Payload));
        Assert.Empty(other.Intersect(first.Events().Take(50).Select(e => Convert.ToHexString(e.Payload))));
    }

    [Fact]
    public void Compact_halves_change_only_sizes_the_same_calls_fates_and_timestamps_in_fewer_bytes()
    {
        var options = new WorkloadOptions { Calls = 3_000, Seed = 5, MediumPayloads = 0, LargePayloads = 0 };
        var weave = new WeaveWorkload(options);
        var compact = new WeaveWorkload(options with { CompactHalves = true });

        var pairs = weave.Events().Zip(compact.Events()).ToList();
        Assert.Equal(weave.Expected.Messages, pairs.Count);
        Assert.Equal(weave.Expected with { ErrorsByReason = compact.Expected.ErrorsByReason }, compact.Expected);
        Assert.Equal(weave.Expected.ErrorsByReason, compact.Expected.ErrorsByReason);
        Assert.All(pairs, p => Assert.True(p.First.Key.AsSpan().SequenceEqual(p.Second.Key) && p.First.Kind == p.Second.Kind
            && p.First.Side == p.Second.Side && p.First.TimestampMillis == p.Second.TimestampMillis));

        // A few hundred bytes instead of about a kilobyte: room for 200k calls on 96 partitions of a 5 MiB-per-partition broker.
        var sizes = pairs.Select(p => (Weave: p.First.Payload.Length, Compact: p.Second.Payload.Length)).ToList();
        Assert.True(sizes.Average(s => s.Compact) < 0.75 * sizes.Average(s => s.Weave), $"compact {sizes.Average(s => s.Compact):F0} B vs {sizes.Average(s => s.Weave):F0} B");
        Assert.True(sizes.Average(s => s.Compact) < 800);
        Assert.All(pairs.Where(p => p.Second.Kind == WorkloadEventKind.Start), p => JsonDocument.Parse(p.Second.Payload).Dispose());
    }

    [Fact]
    public void Events_come_in_timestamp_order_with_every_message_the_expectation_counts()
    {
        var options = new WorkloadOptions { Calls = 5_000, Seed = 4, EndBeforeStart = 0.2, LongRunning = 0.05, LateStart = 0.02 };
        var workload = new WeaveWorkload(options);
        var events = workload.Events().ToList();
        var expected = workload.Expected;

        Assert.All(events.Zip(events.Skip(1)), p => Assert.True(p.First.TimestampMillis <= p.Second.TimestampMillis));
        var epoch = options.Epoch.ToUnixTimeMilliseconds();
        Assert.InRange(events[0].TimestampMillis, epoch, epoch + (long)options.MaxCallDuration.TotalMilliseconds);
        Assert.InRange(events[^1].TimestampMillis, epoch, epoch + (long)(options.Span + (2 * options.LongRunningAfter) + (2 * options.MaxCallDuration)).TotalMilliseconds);
        Assert.Equal(expected.Starts, events.Count(e => e.Side == CallSide.Start));
        Assert.Equal(expected.Ends, events.Count(e => e.Side == CallSide.End));
        Assert.Equal(expected.Malformed, events.Count(e => e.Kind == WorkloadEventKind.Malformed));
        Assert.Equal(expected.DuplicateHalves, events.Count(e => e.Kind is WorkloadEventKind.DuplicateStart or WorkloadEventKind.DuplicateEnd));
        Assert.Equal(expected.Calls - expected.StartMissingErrors + expected.LateStarts, events.Count(e => e.Kind == WorkloadEventKind.Start));
        Assert.Equal(expected.Calls - expected.RunningOnlyRows, events.Count(e => e.Kind == WorkloadEventKind.End));
        var ids = events.Where(e => e.Kind != WorkloadEventKind.Malformed).Select(e => Encoding.UTF8.GetString(e.Key)).ToHashSet();
        Assert.Equal(options.Calls, ids.Count);

        // Halves of a call: at most one first delivery per side; a redelivery repeats its half exactly, later.
        var firsts = events.Where(e => e.Kind is WorkloadEventKind.Start or WorkloadEventKind.End).ToDictionary(e => (Convert.ToHexString(e.Key), e.Side));
        foreach (var duplicate in events.Where(e => e.Kind is WorkloadEventKind.DuplicateStart or WorkloadEventKind.DuplicateEnd))
        {
            var original = firsts[(Convert.ToHexString(duplicate.Key), duplicate.Side)];
            Assert.Equal(original.Payload, duplicate.Payload);
            Assert.InRange(duplicate.TimestampMillis - original.TimestampMillis, 1, (long)options.MaxCallDuration.TotalMilliseconds);
        }

        // Ends before starts and late starts exist, and gaps between halves are either short or beyond the long-running threshold.
        var longMillis = (long)options.LongRunningAfter.TotalMilliseconds;
        var gaps = firsts.Values.Where(e => e.Side == CallSide.End && firsts.ContainsKey((Convert.ToHexString(e.Key), CallSide.Start)))
            .Select(e => e.TimestampMillis - firsts[(Convert.ToHexString(e.Key), CallSide.Start)].TimestampMillis).ToList();
        Assert.Contains(gaps, g => g < 0);
        Assert.All(gaps, g => Assert.True(Math.Abs(g) <= (long)options.MaxCallDuration.TotalMilliseconds || (Math.Abs(g) > longMillis && Math.Abs(g) <= 2 * longMillis), $"gap {g}"));
        Assert.Equal(expected.LongRunningCalls, gaps.Count(g => g > longMillis));
        Assert.Equal(expected.LateStarts, gaps.Count(g => g < -longMillis));
    }

    [Fact]
    public void Every_half_is_valid_for_the_parser_keyed_by_its_id_and_every_bad_message_fails_with_an_expected_reason()
    {
        var workload = new WeaveWorkload(new WorkloadOptions { Calls = 4_000, Seed = 5, Malformed = 0.05 });
        var key = new HalfKey();
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in workload.Events())
        {
            var status = HalfParser.TryReadKey(e.Payload, e.Side, key);
            if (e.Kind == WorkloadEventKind.Malformed)
            {
                Assert.NotEqual(HalfParseStatus.Ok, status);
                var reason = key.Reason(status);
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                continue;
            }

            Assert.Equal(HalfParseStatus.Ok, status);
            Assert.Equal(e.Key, key.Id.ToArray());
            Assert.Equal(36, e.Key.Length);
        }

        Assert.Equal(workload.Expected.ErrorsByReason.Where(r => r.Key != "start_missing").OrderBy(r => r.Key, StringComparer.Ordinal), reasons.OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.True(reasons.Count >= 10, $"only {reasons.Count} kinds of bad message");
    }

    [Fact]
    public void Trace_trees_are_consistent_and_at_most_four_levels_deep()
    {
        var workload = new WeaveWorkload(new WorkloadOptions { Calls = 6_000, Seed = 6, LongRunning = 0.05 });
        var starts = new Dictionary<string, (string Trace, string? Parent, string Project, long Started)>(StringComparer.Ordinal);
        var ends = new Dictionary<string, long>(StringComparer.Ordinal);
        var key = new HalfKey();
        foreach (var e in workload.Events().Where(e => e.Kind is WorkloadEventKind.Start or WorkloadEventKind.End))
        {
            Assert.Equal(HalfParseStatus.Ok, HalfParser.TryReadKey(e.Payload, e.Side, key));
            var id = Encoding.UTF8.GetString(key.Id);
            if (e.Side == CallSide.End)
            {
                ends.Add(id, key.TimestampMicros);
                continue;
            }

            using var json = JsonDocument.Parse(e.Payload);
            var root = json.RootElement;
            starts.Add(id, (root.GetProperty("trace_id").GetString()!, root.GetProperty("parent_id").GetString(), Encoding.UTF8.GetString(key.ProjectId), key.TimestampMicros));
        }

        int checkedChildren = 0;
        foreach (var (id, start) in starts)
        {
            if (ends.TryGetValue(id, out var ended))
            {
                Assert.True(ended > start.Started, $"{id} ends before it starts");
            }

            if (start.Parent is null)
            {
                continue;
            }

            Assert.True(starts.TryGetValue(start.Parent, out var parent) || ends.ContainsKey(start.Parent), $"{id}: unknown parent");
            if (parent.Trace is null)
            {
                continue;   // an orphan end's children: its start never comes
            }

            checkedChildren++;
            Assert.Equal(parent.Trace, start.Trace);
            Assert.Equal(parent.Project, start.Project);
            Assert.True(start.Started > parent.Started, $"{id} starts before its parent");
            if (ends.TryGetValue(id, out var childEnd) && ends.TryGetValue(start.Parent, out var parentEnd))
            {
                Assert.True(childEnd < parentEnd, $"{id} ends after its parent");
            }
        }

        var depths = starts.Keys.Select(id => Depth(starts, id)).ToList();
        Assert.Equal(4, depths.Max());
        Assert.True(checkedChildren > starts.Count / 2, $"only {checkedChildren} of {starts.Count} calls are nested");
        Assert.All(starts.Values.Where(s => s.Parent is null).GroupBy(s => s.Trace), g => Assert.Single(g));   // one root per trace
    }

    [Fact]
    public void Payload_sizes_follow_the_configured_classes_and_never_exceed_the_cap()
    {
        var options = new WorkloadOptions { Calls = 20_000, Seed = 8, MediumPayloads = 0.08, LargePayloads = 0.004, MaxPayloadBytes = 600_000 };
        var workload = new WeaveWorkload(options);
        var sizes = workload.Events().Where(e => e.Kind is WorkloadEventKind.Start or WorkloadEventKind.End).Select(e => e.Payload.Length).ToList();

        Assert.All(sizes, s => Assert.InRange(s, 200, options.MaxPayloadBytes));   // the smallest: an end with an exception
        var small = sizes.Count(s => s <= 2_600);
        var medium = sizes.Count(s => s is >= 4_500 and <= 55_000);
        var large = sizes.Count(s => s >= 190_000);
        Assert.True(small > sizes.Count * 0.85, $"{small} of {sizes.Count} small");
        Assert.InRange(medium, options.Calls * options.MediumPayloads * 0.8, options.Calls * options.MediumPayloads * 1.2);
        Assert.InRange(large, options.Calls * options.LargePayloads * 0.6, options.Calls * options.LargePayloads * 1.4);
        Assert.InRange(sizes.Where(s => s <= 2_600).Average(), 700, 1_600);
    }

    [Fact]
    public void Messages_look_like_weave_calls()
    {
        var workload = new WeaveWorkload(new WorkloadOptions { Calls = 5_000, Seed = 12 });
        var text = workload.Events().Where(e => e.Kind is WorkloadEventKind.Start or WorkloadEventKind.End).Select(e => Encoding.UTF8.GetString(e.Payload)).ToList();
        var starts = text.Where(t => t.Contains("\"op_name\":", StringComparison.Ordinal)).ToList();
        var ends = text.Where(t => t.Contains("\"ended_at\":", StringComparison.Ordinal)).ToList();

        Assert.Contains(starts, t => t.Contains("\"op_name\":\"weave-trace-internal:///", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Contains("\"op_name\":\"weave:///", StringComparison.Ordinal) && t.Contains("/op/openai.chat.completions.create:", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Contains("\"op_name\":\"Evaluation.predict_and_score\"", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Contains("\"messages\":[{\"role\":\"system\"", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Contains("\"wb_run_id\":\"", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Contains("\"thread_id\":\"", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Contains("\"display_name\":\"", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Contains("\"otel_dump\":{", StringComparison.Ordinal));
        Assert.Contains(starts, t => t.Any(c => c > 127));
        Assert.Contains(starts, t => t.Contains("+00:00\"", StringComparison.Ordinal));
        Assert.Contains(ends, t => t.Contains("\"choices\":[", StringComparison.Ordinal) && t.Contains("\"usage\":{", StringComparison.Ordinal));
        Assert.InRange(ends.Count(t => !t.Contains("\"exception\":null", StringComparison.Ordinal)), ends.Count * 0.01, ends.Count * 0.03);
        Assert.All(text, t => Assert.Matches(@"""(started|ended)_at"":""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?(Z|\+00:00)""", t));

        // Joined, inputs and outputs carry internal refs and some calls failed.
        var (output, _) = JoinRecorder.Run(workload);
        Assert.True(output.RowsWithInputRefs > workload.Expected.CompleteRows / 4, $"{output.RowsWithInputRefs} rows with input refs");
        Assert.True(output.RowsWithOutputRefs > 0);
        Assert.True(output.RowsWithException > 0);
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeaveWorkload(new WorkloadOptions { EndBeforeStart = 0.5, LongRunning = 0.6 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeaveWorkload(new WorkloadOptions { Malformed = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeaveWorkload(new WorkloadOptions { Calls = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeaveWorkload(new WorkloadOptions { MaxCallDuration = TimeSpan.FromMinutes(5) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeaveWorkload(new WorkloadOptions { MaxPayloadBytes = 1_000 }));
    }

    private static int Depth(Dictionary<string, (string Trace, string? Parent, string Project, long Started)> starts, string id)
    {
        int depth = 0;
        while (starts.TryGetValue(id, out var start) && start.Parent is not null)
        {
            depth++;
            id = start.Parent;
        }

        return depth;
    }

    private static void AssertSame(WorkloadEvent expected, WorkloadEvent actual)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Side, actual.Side);
        Assert.Equal(expected.TimestampMillis, actual.TimestampMillis);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Payload, actual.Payload);
    }
}
