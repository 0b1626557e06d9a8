namespace CallJoin.Core.Tests.Join;

/// <summary>
/// The plain model of <see cref="CallJoin.Core.Join.MatchedCalls"/>: each key's latest matched call with an explicit
/// time, and the documented window in which it must be present, must be gone, or may be either.
/// </summary>
internal sealed class MatchedCallsModel(long retention, long width)
{
    private readonly Dictionary<int, (uint Start, uint End, long MatchedAt)> _calls = [];

    public long Now { get; private set; } = long.MinValue;

    /// <summary>The time an add would use for a key: never earlier than the key's previous call (as the engine does).</summary>
    public long MatchedAtFor(int key, long matchedAt) =>
        _calls.TryGetValue(key, out var call) ? Math.Max(call.MatchedAt, matchedAt) : matchedAt;

    public bool TryGetMatchedAt(int key, out long matchedAt)
    {
        var found = _calls.TryGetValue(key, out var call);
        matchedAt = call.MatchedAt;
        return found;
    }

    public void Add(int key, ulong startHash, ulong endHash, long matchedAt)
    {
        if (Now == long.MinValue)
        {
            Now = matchedAt;
        }

        _calls[key] = ((uint)startHash, (uint)endHash, matchedAt);
    }

    public void Advance(long time) => Now = Math.Max(Now, time);

    /// <summary>What a lookup of <paramref name="key"/> may answer now.</summary>
    public Expectation Expect(int key)
    {
        if (!_calls.TryGetValue(key, out var call))
        {
            return new(MustBePresent: false, MustBeGone: true, PresentByBucket: false, call.Start, call.End);
        }

        // Found while now < matchedAt + retention; gone from matchedAt + retention + width - 1; in between, the bucket
        // rule decides: bucket b goes once (b + 1) * width - 1 + retention <= now.
        var mustBePresent = Now < call.MatchedAt + retention;
        var mustBeGone = Now >= call.MatchedAt + retention + width - 1;
        var byBucket = FloorDiv(call.MatchedAt, width) >= FloorDiv(Now - retention + 1, width);
        return new(mustBePresent, mustBeGone, byBucket, call.Start, call.End);
    }

    private static long FloorDiv(long value, long divisor) => (long)Math.Floor((decimal)value / divisor);

    /// <summary>The window a key is in, and the hashes it must answer with when present.</summary>
    public readonly record struct Expectation(bool MustBePresent, bool MustBeGone, bool PresentByBucket, uint Start, uint End);
}
