using System.Diagnostics;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Bench.BoundedState;

/// <summary>
/// How far committed offsets trail reading over hours of traffic, in compressed time: production-like calls (see
/// <see cref="SimulatedCalls"/>) in record-time order through the real <see cref="JoinEngine{TOutput}"/> and the real
/// <see cref="OffsetLedger"/> (the service's commit policy), with the sink and lookups modelled in stream time.
/// </summary>
internal sealed class TrailSimulation(TrailOptions options)
{
    private const int ChunkBits = 10;   // one timestamp kept per 1,024 offsets, to date the commit point
    private static readonly long Epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly OffsetLedger _ledger = new();
    private readonly long[][] _next = [new long[options.Partitions], new long[options.Partitions]];
    private readonly List<long>[][] _chunkTimes =
        [[.. Enumerable.Range(0, options.Partitions).Select(_ => new List<long>())], [.. Enumerable.Range(0, options.Partitions).Select(_ => new List<long>())]];

    public TrailResult Run(Action<string> log)
    {
        var epoch = Epoch;
        var calls = new SimulatedCalls(options.CallsPerSecond, options.Partitions, epoch, options.LongRunningShare, options.OrphanEndShare);
        var sink = new SimulatedSink(_ledger, options.FlushMillis, options.InsertMillis);
        var lookups = options.Mode == LatePartnerSource.Lookup ? new SimulatedLookups(sink, calls, options.QueryMillis) : null;
        using var store = new InMemoryPendingStore();
        var engine = new JoinEngine<SimulatedSink>(store, new JoinOptions { LatePartners = options.Mode }, sink, lookups);

        var total = (long)options.CallsPerSecond * (long)options.Duration.TotalSeconds;
        var end = epoch + (long)options.Duration.TotalMilliseconds;
        var ends = new PriorityQueue<long, long>();
        var buffer = new byte[1024];
        var samples = new List<TrailSample>();
        var nextSample = epoch + options.SampleMillis;
        var nextStep = epoch;
        var messages = 0L;
        var peak = new TrailSample(0, 0, 0, 0, 0, 0);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;

        for (var index = 0L; index < total; index++)
        {
            var now = calls.StartMillis(index);
            while (ends.TryPeek(out var endIndex, out var due) && due <= now)
            {
                ends.Dequeue();
                Feed(engine, CallSide.End, buffer.AsSpan(0, calls.WriteEnd(endIndex, buffer)), calls.Partition(endIndex), due);
                messages++;
            }

            if (now >= nextStep)
            {
                // The sink's flushes and the lookups' batches move on in steps of 100 ms of stream time.
                sink.Advance(now);
                lookups?.Advance(engine, now);
                nextStep = now + 100;
            }

            if (now >= nextSample)
            {
                var sample = Sample(now - epoch, engine);
                samples.Add(sample);
                peak = new TrailSample(sample.StreamSeconds, Math.Max(peak.HeldMessages, sample.HeldMessages), Math.Max(peak.OldestHeldSeconds, sample.OldestHeldSeconds),
                    Math.Max(peak.StateEntries, sample.StateEntries), Math.Max(peak.MatchedCalls, sample.MatchedCalls), Math.Max(peak.MatchedBytes, sample.MatchedBytes));
                nextSample += options.SampleMillis;
                if (samples.Count % 30 == 0)
                {
                    log($"{sample.StreamSeconds / 60,4:F0} min of stream time in {clock.Elapsed.TotalSeconds:F0} s: held {sample.HeldMessages:N0} messages, oldest {sample.OldestHeldSeconds:F1} s, state {sample.StateEntries:N0}, matched {sample.MatchedCalls:N0}");
                }
            }

            var fate = calls.Fate(index);
            if (fate != SimulatedFate.OrphanEnd)
            {
                Feed(engine, CallSide.Start, buffer.AsSpan(0, calls.WriteStart(index, buffer)), calls.Partition(index), now);
                messages++;
            }

            var endsAt = calls.EndMillis(index);
            if (endsAt < end)
            {
                ends.Enqueue(index, endsAt);
            }
        }

        var final = Sample(end - epoch, engine);
        peak = new TrailSample(final.StreamSeconds, Math.Max(peak.HeldMessages, final.HeldMessages), Math.Max(peak.OldestHeldSeconds, final.OldestHeldSeconds),
            Math.Max(peak.StateEntries, final.StateEntries), Math.Max(peak.MatchedCalls, final.MatchedCalls), Math.Max(peak.MatchedBytes, final.MatchedBytes));
        return new TrailResult(options, messages, samples, peak, final, engine.Counters, sink, lookups?.Batches ?? 0,
            clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu);
    }

    private void Feed(JoinEngine<SimulatedSink> engine, CallSide side, ReadOnlySpan<byte> half, int partition, long at)
    {
        var s = side == CallSide.Start ? 0 : 1;
        var offset = _next[s][partition]++;
        if ((offset & ((1 << ChunkBits) - 1)) == 0)
        {
            _chunkTimes[s][partition].Add(at - Epoch);
        }

        _ledger.Consumed(side, partition, offset);
        engine.Process(side, half, new SourcePosition(partition, offset), at);
    }

    /// <summary>The held messages (a lost volume re-reads them) and the age of the oldest commit point.</summary>
    private TrailSample Sample(long streamMillis, JoinEngine<SimulatedSink> engine)
    {
        var now = streamMillis;
        var oldest = 0L;
        for (var s = 0; s < 2; s++)
        {
            var side = s == 0 ? CallSide.Start : CallSide.End;
            for (var p = 0; p < options.Partitions; p++)
            {
                if (_ledger.TryGetCommitOffset(side, p, out var commit) && commit < _next[s][p])
                {
                    var chunk = (int)(commit >> ChunkBits);
                    var times = _chunkTimes[s][p];
                    oldest = Math.Max(oldest, now - times[Math.Min(chunk, times.Count - 1)]);
                }
            }
        }

        return new TrailSample(streamMillis / 1000.0, _ledger.Held, oldest / 1000.0, engine.State.Entries, engine.Matched.Count, engine.Matched.Bytes);
    }
}

/// <summary>The simulated traffic and the modelled latencies (stream time).</summary>
internal sealed record TrailOptions
{
    public int CallsPerSecond { get; init; } = 50_000;

    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(1);

    public int Partitions { get; init; } = 12;

    public double LongRunningShare { get; init; } = 0.01;

    public double OrphanEndShare { get; init; } = 0.005;

    public LatePartnerSource Mode { get; init; } = LatePartnerSource.Lookup;

    /// <summary>The sink sends a batch every second (its default <c>MaxBatchDelay</c>).</summary>
    public long FlushMillis { get; init; } = 1_000;

    /// <summary>An insert takes half a second to be durable.</summary>
    public long InsertMillis { get; init; } = 500;

    /// <summary>A lookup query takes half a second.</summary>
    public long QueryMillis { get; init; } = 500;

    public long SampleMillis { get; init; } = 10_000;
}

/// <summary>One sample: held messages, the oldest commit point's age, and the state's size.</summary>
internal readonly record struct TrailSample(double StreamSeconds, long HeldMessages, double OldestHeldSeconds, long StateEntries, long MatchedCalls, long MatchedBytes);

/// <summary>A simulation's figures.</summary>
internal sealed record TrailResult(TrailOptions Options, long Messages, IReadOnlyList<TrailSample> Samples, TrailSample Peak, TrailSample Final,
    JoinCounters Counters, SimulatedSink Sink, long LookupBatches, TimeSpan Elapsed, TimeSpan Cpu);
