using CallJoin.ClickHouse.Lookup;
using CallJoin.Core.Halves;

namespace CallJoin.Service.Pipeline.Late;

/// <summary>Looks up timed-out halves' calls in calls_complete and calljoin_errors (<see cref="LatePartnerLookup"/>).</summary>
internal sealed class ClickHouseCallRecords(LatePartnerLookup lookup) : ICallRecords
{
    public async Task<IReadOnlyList<LookupAnswer>> FindAsync(IReadOnlyList<LookupKey> starts, IReadOnlyList<LookupKey> ends, CancellationToken ct)
    {
        List<LookupKey> keys = [.. starts, .. ends];
        var calls = keys.Count == 0 ? [] : await lookup.FindCallsAsync(keys, ct).ConfigureAwait(false);
        var orphans = starts.Count == 0 ? [] : await lookup.FindStartMissingAsync(starts, ct).ConfigureAwait(false);
        var answers = new List<LookupAnswer>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var call = calls[i];
            var isStart = i < starts.Count;
            var complete = call.State is StoredCallState.Complete or StoredCallState.Deleted;
            var running = call.State == StoredCallState.Running ? call.Row : null;
            var orphanEnd = isStart && orphans[i] is { } orphan ? orphan.Payload : default;
            answers.Add(new LookupAnswer(isStart ? CallSide.Start : CallSide.End, keys[i], complete, running, orphanEnd));
        }

        return answers;
    }

    public bool IsTransient(Exception error) => lookup.IsTransient(error);
}
