using CallJoin.Core.State;

namespace CallJoin.Core.Join;

/// <summary>Placeholder: recently matched calls with both halves' content hashes (replaced by the compact structure).</summary>
public sealed class MatchedCalls(TimeSpan retention)
{
    private readonly Dictionary<CallKey, (uint Start, uint End, long At)> _entries = [];
    private readonly long _retention = (long)retention.TotalMilliseconds;

    public int Count => _entries.Count;

    public long Bytes => _entries.Count * 48L;

    public void Add(in CallKey key, ulong startHash, ulong endHash, long matchedAtMillis)
    {
        if (_retention > 0)
        {
            _entries[key] = ((uint)startHash, (uint)endHash, matchedAtMillis);
        }
    }

    public bool TryGet(in CallKey key, long nowMillis, out uint startHash32, out uint endHash32)
    {
        if (_entries.TryGetValue(key, out var e) && nowMillis - e.At < _retention)
        {
            (startHash32, endHash32) = (e.Start, e.End);
            return true;
        }

        (startHash32, endHash32) = (0, 0);
        return false;
    }

    public void Advance(long nowMillis)
    {
        if (_entries.Count > 0 && nowMillis % 1000 == 0)
        {
            foreach (var k in _entries.Where(e => nowMillis - e.Value.At >= _retention).Select(e => e.Key).ToList())
            {
                _entries.Remove(k);
            }
        }
    }
}
