using CallJoin.Core.Join;

namespace CallJoin.Workload;

/// <summary>
/// What a <see cref="WeaveWorkload"/> generates: how many calls, from which seed, over how much record time, and which
/// fraction of the calls arrive in each awkward way. The same options always give the same messages, byte for byte.
/// </summary>
/// <remarks>
/// <para>
/// Every call has exactly one fate, drawn with these probabilities (so realised counts vary around the fractions; the
/// exact counts are in <see cref="WeaveWorkload.Expected"/>): <see cref="EndBeforeStart"/>, <see cref="OrphanEnd"/>,
/// <see cref="NeverEnds"/>, <see cref="LongRunning"/>, <see cref="LateStart"/>, or normal (both halves, the end after
/// the start, less than <see cref="MaxCallDuration"/> apart). Independently, <see cref="DuplicateHalf"/> of the calls
/// have one of their halves redelivered and <see cref="Malformed"/> of them are accompanied by one bad message.
/// </para>
/// <para>
/// Record-time gaps are built around the join's timeouts: a normal call's halves, an end-before-start's reordering and a
/// redelivery are at most <see cref="MaxCallDuration"/> apart; a long-running call's end and a late start come more
/// than <see cref="LongRunningAfter"/> (and at most twice that) after their partner. <see cref="Fits"/> says whether a
/// join's options put the timeouts in between, which is what <see cref="WorkloadExpectation"/> assumes.
/// </para>
/// </remarks>
public sealed record WorkloadOptions
{
    /// <summary>The default <see cref="Epoch"/>: 2026-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Calls generated: whole trace trees until this many, the last tree cut short to hit it exactly.</summary>
    public int Calls { get; init; } = 10_000;

    /// <summary>The seed everything is drawn from.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How many projects the trace trees are spread over.</summary>
    public int Projects { get; init; } = 4;

    /// <summary>The record time (and started_at) of the first root call; the default is <see cref="DefaultEpoch"/>.</summary>
    public DateTimeOffset Epoch { get; init; } = DefaultEpoch;

    /// <summary>
    /// The record time over which root calls start, evenly by call count. The last events come up to twice
    /// <see cref="MaxCallDuration"/> (with long-running calls or late starts, twice <see cref="LongRunningAfter"/> plus
    /// <see cref="MaxCallDuration"/>) after <see cref="Epoch"/> + Span.
    /// </summary>
    public TimeSpan Span { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Fraction of calls whose end is published (and timestamped) before their start, by less than <see cref="MaxCallDuration"/>.</summary>
    public double EndBeforeStart { get; init; } = 0.05;

    /// <summary>Fraction of calls that have one of their halves redelivered byte for byte, less than <see cref="MaxCallDuration"/> later.</summary>
    public double DuplicateHalf { get; init; } = 0.02;

    /// <summary>Fraction of calls whose start is never published: an orphan end.</summary>
    public double OrphanEnd { get; init; } = 0.005;

    /// <summary>Fraction of calls whose end is never published: a call still running.</summary>
    public double NeverEnds { get; init; } = 0.005;

    /// <summary>
    /// Fraction of calls whose end comes more than <see cref="LongRunningAfter"/> (record time) after their start. A root
    /// call runs that long; a nested call's end is published that late (held in the client's queue).
    /// </summary>
    public double LongRunning { get; init; } = 0.01;

    /// <summary>Fraction of calls whose start comes more than <see cref="LongRunningAfter"/> after their end (the start was held up).</summary>
    public double LateStart { get; init; } = 0.002;

    /// <summary>
    /// One bad message per this fraction of calls, on either topic, with a fresh key: not JSON, invalid UTF-8, not an object,
    /// a missing project_id, id or timestamp, a bad timestamp, or a known field of the wrong JSON type.
    /// </summary>
    public double Malformed { get; init; } = 0.002;

    /// <summary>Fraction of calls with one payload of 5–50 KB (a long prompt or output, full embeddings).</summary>
    public double MediumPayloads { get; init; } = 0.08;

    /// <summary>Fraction of calls with one payload of 200 KB up to <see cref="MaxPayloadBytes"/> (images, large documents).</summary>
    public double LargePayloads { get; init; } = 0.003;

    /// <summary>
    /// Ordinary halves (those without a medium or large payload) aim at 100–300 bytes instead of 450–1,800, with the
    /// shortest client attributes and no otel_dump, so most messages are a few hundred bytes: for long runs against a
    /// broker that keeps little per partition (the embedded broker keeps 5 MiB). Fates, ids and timing are unchanged.
    /// </summary>
    public bool CompactHalves { get; init; }

    /// <summary>
    /// No message is larger than this. The default stays under librdkafka's and Kafka's default <c>message.max.bytes</c>
    /// (1,000,000 bytes, key and overhead included).
    /// </summary>
    public int MaxPayloadBytes { get; init; } = 900_000;

    /// <summary>
    /// The longest record-time gap between the halves of a call that is neither long-running nor late-started, and the
    /// longest delay of a redelivery. Must be below the join's timeouts (see <see cref="Fits"/>).
    /// </summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Long-running ends and late starts come more than this (and at most twice this) after their partner in record
    /// time. Must be at least the join's timeouts (default 5 minutes, as the join's defaults), so that every such call
    /// gets its running row or start_missing record before its partner arrives.
    /// </summary>
    public TimeSpan LongRunningAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value is out of range or the fates add up to more than 1.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Calls);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Projects);
        ArgumentOutOfRangeException.ThrowIfLessThan(Span, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPayloadBytes, MinPayloadCap);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCallDuration, TimeSpan.FromMilliseconds(100));
        ArgumentOutOfRangeException.ThrowIfLessThan(LongRunningAfter, MaxCallDuration + TimeSpan.FromSeconds(1));
        foreach (var (name, value) in new[]
                 {
                     (nameof(EndBeforeStart), EndBeforeStart), (nameof(DuplicateHalf), DuplicateHalf), (nameof(OrphanEnd), OrphanEnd),
                     (nameof(NeverEnds), NeverEnds), (nameof(LongRunning), LongRunning), (nameof(LateStart), LateStart),
                     (nameof(Malformed), Malformed), (nameof(MediumPayloads), MediumPayloads), (nameof(LargePayloads), LargePayloads),
                 })
        {
            if (!(value >= 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(name, value, "must be a fraction between 0 and 1");
            }
        }

        if (EndBeforeStart + OrphanEnd + NeverEnds + LongRunning + LateStart > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EndBeforeStart), "the fates (EndBeforeStart, OrphanEnd, NeverEnds, LongRunning, LateStart) add up to more than 1");
        }

        if (MediumPayloads + LargePayloads > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MediumPayloads), "MediumPayloads and LargePayloads add up to more than 1");
        }
    }

    /// <summary>
    /// Whether <see cref="WeaveWorkload.Expected"/> holds for a join with these options, fed the events in publish order:
    /// both timeouts above <see cref="MaxCallDuration"/> and at most <see cref="LongRunningAfter"/>, matched calls
    /// remembered longer than <see cref="MaxCallDuration"/> (so redeliveries stay duplicates), and waiting halves kept
    /// longer than twice <see cref="LongRunningAfter"/>. The join's defaults fit the workload's defaults.
    /// </summary>
    public bool Fits(JoinOptions join)
    {
        ArgumentNullException.ThrowIfNull(join);
        var longest = LongRunningAfter * 2;
        return join.StartTimeout > MaxCallDuration && join.EndTimeout > MaxCallDuration
            && join.StartTimeout <= LongRunningAfter && join.EndTimeout <= LongRunningAfter
            && join.CompletedRetention > MaxCallDuration
            && join.StartTimeout + join.StartRetention > longest && join.EndTimeout + join.EndRetention > longest;
    }

    /// <summary>
    /// Whether <see cref="WeaveWorkload.Expected"/> holds for a join with these options whatever order the events are
    /// processed in (a consumer reading one topic far ahead of the other, partitions in any order): no long-running
    /// calls or late starts, and all record timestamps within less than the join's timeouts (<see cref="Span"/> plus
    /// twice <see cref="MaxCallDuration"/>), so no timeout fires before the input ends. Then running rows come only from
    /// calls that never end and start_missing records only from orphan ends.
    /// </summary>
    public bool FitsAnyOrder(JoinOptions join)
    {
        ArgumentNullException.ThrowIfNull(join);
        var window = Span + (2 * MaxCallDuration);
        return Fits(join) && LongRunning == 0 && LateStart == 0
            && window < join.StartTimeout && window < join.EndTimeout && window < join.CompletedRetention;
    }

    /// <summary>The smallest <see cref="MaxPayloadBytes"/> accepted: room for any small call's halves.</summary>
    internal const int MinPayloadCap = 16 * 1024;
}
