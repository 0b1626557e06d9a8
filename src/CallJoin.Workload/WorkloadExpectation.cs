using System.Globalization;
using System.Text;

namespace CallJoin.Workload;

/// <summary>
/// What the join must have produced from a workload once its input has ended and every timeout has passed (the join
/// engine's <c>Drain</c>, or the service's stream time more than the timeouts past the last record), under join
/// options the workload <see cref="WorkloadOptions.Fits">fits</see> and with events processed in publish order.
/// </summary>
/// <remarks>
/// <para>
/// Order-independent (any interleaving of the two topics gives them): <see cref="CompleteRows"/>,
/// <see cref="RunningOnlyRows"/>, <see cref="CallsInTable"/>, <see cref="Malformed"/> and its reasons, the message
/// counts. Dependent on record-time order (a consumer that reads one topic more than a timeout ahead of the other
/// writes extra running rows or start_missing records, and makes more late matches): <see cref="RunningRows"/>,
/// <see cref="StartMissingErrors"/>, <see cref="LateMatches"/> and the start_missing entry of
/// <see cref="ErrorsByReason"/> — unless the options <see cref="WorkloadOptions.FitsAnyOrder">fit any order</see>,
/// in which case every count holds however the events are interleaved.
/// </para>
/// </remarks>
public sealed record WorkloadExpectation
{
    /// <summary>Distinct calls in the workload (<see cref="WorkloadOptions.Calls"/>).</summary>
    public long Calls { get; init; }

    /// <summary>Messages on the starts topic: first deliveries, redeliveries and malformed ones (the join's StartsConsumed).</summary>
    public long Starts { get; init; }

    /// <summary>Messages on the ends topic: first deliveries, redeliveries and malformed ones (the join's EndsConsumed).</summary>
    public long Ends { get; init; }

    /// <summary>All messages: <see cref="Starts"/> + <see cref="Ends"/>.</summary>
    public long Messages => Starts + Ends;

    /// <summary>Bad messages, each one error record with its parser reason (the join's Malformed).</summary>
    public long Malformed { get; init; }

    /// <summary>Redelivered halves, each ignored as a duplicate: no row, no error (the join's Duplicates).</summary>
    public long DuplicateHalves { get; init; }

    /// <summary>Calls with both halves: complete rows (ended_at set) in calls_complete FINAL (the join's Matched).</summary>
    public long CompleteRows { get; init; }

    /// <summary>Calls that never end: running rows (ended_at sentinel) left in calls_complete FINAL.</summary>
    public long RunningOnlyRows { get; init; }

    /// <summary>Rows in calls_complete FINAL: <see cref="CompleteRows"/> + <see cref="RunningOnlyRows"/>.</summary>
    public long CallsInTable => CompleteRows + RunningOnlyRows;

    /// <summary>
    /// Running rows written, superseded ones included: every call that never ends plus every long-running call (whose
    /// complete row later replaces it in FINAL). calls_complete without FINAL holds up to CallsInTable + the long-running
    /// ones. The join's RunningRows.
    /// </summary>
    public long RunningRows { get; init; }

    /// <summary>
    /// start_missing error records: one per orphan end and one per late start (an end whose start came more than the end
    /// timeout after it, and which still became a complete row). Ends before starts within <see cref="WorkloadOptions.MaxCallDuration"/>
    /// get none. The join's StartMissing.
    /// </summary>
    public long StartMissingErrors { get; init; }

    /// <summary>
    /// Rows of calljoin_errors by reason: <c>start_missing</c> (<see cref="StartMissingErrors"/>) and the malformed reasons
    /// exactly as <c>HalfParser.ReasonText</c> gives them (<c>malformed_json</c>, <c>not_an_object</c>,
    /// <c>missing_field:id</c>, <c>bad_timestamp:ended_at</c>, <c>wrong_type:inputs</c>, ...). Reasons with no record are absent.
    /// </summary>
    public IReadOnlyDictionary<string, long> ErrorsByReason { get; init; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>All error records: the sum of <see cref="ErrorsByReason"/>.</summary>
    public long ErrorRecords => ErrorsByReason.Values.Sum();

    /// <summary>
    /// Matches made after the first half had already timed out: long-running calls (running row first) and late starts
    /// (start_missing first). The join's LateMatched.
    /// </summary>
    public long LateMatches { get; init; }

    /// <summary>Calls whose end came more than <see cref="WorkloadOptions.LongRunningAfter"/> after their start.</summary>
    public long LongRunningCalls { get; init; }

    /// <summary>Calls whose start came more than <see cref="WorkloadOptions.LongRunningAfter"/> after their end.</summary>
    public long LateStarts { get; init; }

    /// <summary>A one-paragraph summary for logs and the command line.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{Calls:N0} calls, {Messages:N0} messages ({Starts:N0} starts, {Ends:N0} ends; {DuplicateHalves:N0} redelivered, {Malformed:N0} malformed); ");
        text.Append(CultureInfo.InvariantCulture,
            $"calls_complete FINAL: {CallsInTable:N0} rows ({CompleteRows:N0} complete, {RunningOnlyRows:N0} running); ");
        text.Append(CultureInfo.InvariantCulture,
            $"running rows written {RunningRows:N0}, late matches {LateMatches:N0}; calljoin_errors: {ErrorRecords:N0}");
        if (ErrorsByReason.Count > 0)
        {
            text.Append(" (");
            text.AppendJoin(", ", ErrorsByReason.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} {e.Value:N0}")));
            text.Append(')');
        }

        return text.ToString();
    }
}
