using CallJoin.Core.Halves;

namespace CallJoin.Workload;

/// <summary>
/// A deterministic Weave-like workload: trace trees of LLM calls (roots with nested calls to depth 4, agents, RAG,
/// evaluations) published as the trace server's start and end messages, keyed by call id, with record timestamps, and
/// with the awkward cases the join must handle: ends before starts, redeliveries, orphan ends, calls that never end,
/// long-running calls, late starts and malformed messages. See <see cref="WorkloadOptions"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Events"/> streams: it plans and renders tree by tree, holding only the events not yet due (those of
/// recent trees), so memory stays flat however many calls. Events come in record-timestamp order (ties in plan order);
/// an end before its start, or a late start, is simply a start with the later timestamp.
/// </para>
/// <para>
/// The same options give the same events, byte for byte, on every run and every enumeration. Thread-safe: each
/// enumeration has its own state, and <see cref="Expected"/> is computed once, up front, by a planning pass that
/// renders nothing.
/// </para>
/// </remarks>
public sealed class WeaveWorkload
{
    private readonly WorkloadOptions _options;
    private readonly WorkloadCatalog _catalog;

    public WeaveWorkload(WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _catalog = new WorkloadCatalog(options, TracePlanner.RunsPerProject);
        Expected = Expect(options);
    }

    /// <summary>The options the workload was made from.</summary>
    public WorkloadOptions Options => _options;

    /// <summary>What the join must produce from <see cref="Events"/> (see <see cref="WorkloadExpectation"/>).</summary>
    public WorkloadExpectation Expected { get; }

    /// <summary>Every message of the workload in publish order (non-decreasing record timestamps). Streams; restartable.</summary>
    public IEnumerable<WorkloadEvent> Events()
    {
        var planner = new TracePlanner(_options);
        using var writer = new HalfWriter(_catalog);
        var due = new PriorityQueue<PlannedEvent, (long Timestamp, long Sequence)>();
        var tree = new List<PlannedCall>();
        long sequence = 0;
        while (planner.NextTree(tree))
        {
            // Nothing of this tree or a later one comes before its base time: whatever is due by then goes first.
            while (due.TryPeek(out var next, out var at) && at.Timestamp <= planner.TreeBaseMillis)
            {
                due.Dequeue();
                yield return Render(writer, next, at.Timestamp);
            }

            foreach (var call in tree)
            {
                if (call.HasStart)
                {
                    due.Enqueue(new PlannedEvent(call, WorkloadEventKind.Start), (call.StartRecordMillis, sequence++));
                }

                if (call.HasEnd)
                {
                    due.Enqueue(new PlannedEvent(call, WorkloadEventKind.End), (call.EndRecordMillis, sequence++));
                }

                if (call.Duplicate is { } side)
                {
                    var kind = side == CallSide.Start ? WorkloadEventKind.DuplicateStart : WorkloadEventKind.DuplicateEnd;
                    due.Enqueue(new PlannedEvent(call, kind), (call.DuplicateRecordMillis, sequence++));
                }

                if (call.Malformed != HalfDefect.None)
                {
                    due.Enqueue(new PlannedEvent(call, WorkloadEventKind.Malformed), (call.MalformedRecordMillis, sequence++));
                }
            }
        }

        while (due.TryDequeue(out var next, out var at))
        {
            yield return Render(writer, next, at.Timestamp);
        }
    }

    private static WorkloadEvent Render(HalfWriter writer, PlannedEvent planned, long timestamp)
    {
        var call = planned.Call;
        switch (planned.Kind)
        {
            case WorkloadEventKind.Malformed:
                return new WorkloadEvent(call.MalformedSide, call.MalformedId.ToUtf8(),
                    writer.Render(call, call.MalformedSide, call.Malformed, call.MalformedId), timestamp, planned.Kind);
            default:
                var side = planned.Kind is WorkloadEventKind.Start or WorkloadEventKind.DuplicateStart ? CallSide.Start : CallSide.End;
                return new WorkloadEvent(side, call.Id.ToUtf8(), writer.Render(call, side, HalfDefect.None, call.Id), timestamp, planned.Kind);
        }
    }

    /// <summary>Counts what the plan implies, without rendering a byte.</summary>
    private static WorkloadExpectation Expect(WorkloadOptions options)
    {
        var planner = new TracePlanner(options);
        var tree = new List<PlannedCall>();
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long calls = 0, starts = 0, ends = 0, duplicates = 0, malformed = 0, complete = 0, neverEnds = 0, orphans = 0, longRunning = 0, lateStarts = 0;
        while (planner.NextTree(tree))
        {
            foreach (var call in tree)
            {
                calls++;
                starts += call.HasStart ? 1 : 0;
                ends += call.HasEnd ? 1 : 0;
                switch (call.Fate)
                {
                    case CallFate.OrphanEnd:
                        orphans++;
                        break;
                    case CallFate.NeverEnds:
                        neverEnds++;
                        break;
                    case CallFate.LongRunning:
                        longRunning++;
                        break;
                    case CallFate.LateStart:
                        lateStarts++;
                        break;
                }

                complete += call.HasStart && call.HasEnd ? 1 : 0;
                if (call.Duplicate is { } side)
                {
                    duplicates++;
                    starts += side == CallSide.Start ? 1 : 0;
                    ends += side == CallSide.End ? 1 : 0;
                }

                if (call.Malformed != HalfDefect.None)
                {
                    malformed++;
                    starts += call.MalformedSide == CallSide.Start ? 1 : 0;
                    ends += call.MalformedSide == CallSide.End ? 1 : 0;
                    var reason = HalfDefects.Reason(call.Malformed, call.MalformedSide);
                    errors[reason] = errors.GetValueOrDefault(reason) + 1;
                }
            }
        }

        long startMissing = orphans + lateStarts;
        if (startMissing > 0)
        {
            errors[Core.Join.JoinErrorReason.StartMissing] = startMissing;
        }

        return new WorkloadExpectation
        {
            Calls = calls,
            Starts = starts,
            Ends = ends,
            Malformed = malformed,
            DuplicateHalves = duplicates,
            CompleteRows = complete,
            RunningOnlyRows = neverEnds,
            RunningRows = neverEnds + longRunning,
            StartMissingErrors = startMissing,
            ErrorsByReason = errors,
            LateMatches = longRunning + lateStarts,
            LongRunningCalls = longRunning,
            LateStarts = lateStarts,
        };
    }

    /// <summary>One message to render: which call, and which of its messages.</summary>
    private readonly record struct PlannedEvent(PlannedCall Call, WorkloadEventKind Kind);
}
