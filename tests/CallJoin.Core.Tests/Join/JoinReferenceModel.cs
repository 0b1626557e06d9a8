using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Core.Tests.Join;

/// <summary>
/// The join rules written as plainly as possible (a dictionary and a linear search for the next deadline), to check
/// the engine against. Shares no code with it.
/// </summary>
internal sealed class JoinReferenceModel(JoinOptions options)
{
    private readonly Dictionary<(string, string), Entry> _entries = [];
    private long _now = long.MinValue;
    private long _sequence;

    public List<JoinResult> Results { get; } = [];

    public JoinCounters Counters { get; } = new();

    public void Process(HalfEvent e)
    {
        if (e.Side == CallSide.Start)
        {
            Counters.StartsConsumed++;
        }
        else
        {
            Counters.EndsConsumed++;
        }

        if (e.Timestamp > _now)
        {
            _now = e.Timestamp;
            ExpireUntil(_now);
        }

        if (e.Malformed is not null)
        {
            Counters.Malformed++;
            Results.Add(new("error:malformed", "", "", _now, e.Position.Partition, e.Position.Offset, e.Side.ToString()));
            return;
        }

        if (!_entries.TryGetValue(e.Key, out var entry))
        {
            // Timeouts run from the half's arrival in stream time, never from a timestamp stream time has passed.
            var timeout = e.Side == CallSide.Start ? options.StartTimeout : options.EndTimeout;
            var arrival = Math.Max(e.Timestamp, _now);
            _entries[e.Key] = new Entry { Half = e, Arrival = arrival, Deadline = Plus(arrival, timeout), Sequence = _sequence++ };
            return;
        }

        var seen = entry.Completed ? (e.Side == CallSide.Start ? entry.StartJson : entry.EndJson) : entry.Half!.Side == e.Side ? entry.Half.Json : null;
        if (seen is not null)
        {
            if (seen == e.Json)
            {
                Counters.Duplicates++;
            }
            else
            {
                Counters.Conflicts++;
                Results.Add(new("error:" + JoinErrorReason.ConflictingDuplicate, e.Project, e.Id, _now, e.Position.Partition, e.Position.Offset, e.Side.ToString()));
            }

            return;
        }

        var (start, end) = e.Side == CallSide.Start ? (e, entry.Half!) : (entry.Half!, e);
        Counters.Matched++;
        Counters.LateMatched += entry.Reported ? 1 : 0;
        Results.Add(new("complete", e.Project, e.Id, Math.Max(Millis(end.PayloadMicros), Millis(start.PayloadMicros) + 1), start.PayloadMicros, end.PayloadMicros,
            $"{{\"v\": {start.Variant}}}|{{\"v\": {end.Variant}}}"));
        if (options.CompletedRetention <= TimeSpan.Zero)
        {
            _entries.Remove(e.Key);
            return;
        }

        // A matched call is remembered in time buckets of retention/32 (at least 1 s): it is forgotten when the newest
        // time its bucket can hold has been retained for the whole retention.
        var last = Math.Max(entry.Arrival, Math.Max(e.Timestamp, _now));
        var retention = (long)options.CompletedRetention.TotalMilliseconds;
        var width = Math.Max(1_000, retention / 32);
        var bucketEnd = ((long)Math.Floor(last / (double)width) + 1) * width - 1;
        _entries[e.Key] = new Entry
        {
            Completed = true,
            StartJson = start.Json,
            EndJson = end.Json,
            Deadline = bucketEnd + retention,
            Sequence = _sequence++,
        };
    }

    public void Drain() => ExpireUntil(long.MaxValue);

    /// <summary>Row versions come from the call's own times (started_at, ended_at) in ms.</summary>
    private static long Millis(long micros) => (long)Math.Floor(micros / 1000.0);

    private void ExpireUntil(long now)
    {
        while (_entries.Count > 0)
        {
            var (key, entry) = _entries.MinBy(kv => (kv.Value.Deadline, kv.Value.Sequence));
            if (entry.Deadline > now)
            {
                return;
            }

            Expire(key, entry);
        }
    }

    private void Expire((string, string) key, Entry entry)
    {
        if (entry.Completed || entry.Reported)
        {
            _entries.Remove(key);
            if (!entry.Completed)
            {
                _ = entry.Half!.Side == CallSide.Start ? Counters.ExpiredStarts++ : Counters.ExpiredEnds++;
            }

            return;
        }

        var half = entry.Half!;
        if (half.Side == CallSide.Start)
        {
            Counters.RunningRows++;
            Results.Add(new("running", half.Project, half.Id, Millis(half.PayloadMicros), half.PayloadMicros, 0, $"{{\"v\": {half.Variant}}}|null"));
        }
        else
        {
            Counters.StartMissing++;
            Results.Add(new("error:" + JoinErrorReason.StartMissing, half.Project, half.Id, entry.Deadline, half.Position.Partition, half.Position.Offset, "End"));
        }

        var retention = half.Side == CallSide.Start ? options.StartRetention : options.EndRetention;
        _entries[key] = entry with { Reported = true, Deadline = Plus(entry.Arrival, retention), Sequence = _sequence++ };
    }

    private static long Plus(long millis, TimeSpan span) =>
        millis > long.MaxValue - (long)span.TotalMilliseconds ? long.MaxValue : millis + (long)span.TotalMilliseconds;

    private sealed record Entry
    {
        public HalfEvent? Half { get; init; }

        public long Arrival { get; init; }

        public bool Completed { get; init; }

        public bool Reported { get; init; }

        public string? StartJson { get; init; }

        public string? EndJson { get; init; }

        public long Deadline { get; init; }

        public long Sequence { get; init; }
    }
}
