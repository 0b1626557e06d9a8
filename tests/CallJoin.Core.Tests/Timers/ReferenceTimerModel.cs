namespace CallJoin.Core.Tests.Timers;

/// <summary>
/// The timer wheel's contract, naively: a list kept sorted by (time due, schedule order), where a timer scheduled at or
/// before Now is due at Now.
/// </summary>
internal sealed class ReferenceTimerModel(long now) : ITimerModel
{
    private readonly List<Entry> _pending = [];
    private readonly HashSet<int> _live = [];
    private int _sequence;

    public long Now { get; private set; } = now;

    public int Count => _pending.Count;

    /// <summary>Schedules and returns the timer's id (ids count up from 0 across all schedules).</summary>
    public int Schedule(long deadline, int payload)
    {
        int id = _sequence++;
        var entry = new Entry(Math.Max(deadline, Now), id, deadline, payload);
        _pending.Insert(~_pending.BinarySearch(entry, EntryOrder.Instance), entry);
        _live.Add(id);
        return id;
    }

    public bool Cancel(int id)
    {
        if (!_live.Remove(id))
        {
            return false;
        }

        _pending.RemoveAt(_pending.FindIndex(e => e.Sequence == id));
        return true;
    }

    public int Advance(long now, Action<long, int> onExpired)
    {
        long target = Math.Max(now, Now);
        int fired = 0;
        while (_pending.Count > 0 && _pending[0].Due <= target)
        {
            var entry = _pending[0];
            _pending.RemoveAt(0);
            _live.Remove(entry.Sequence);
            Now = entry.Due;
            fired++;
            onExpired(entry.Deadline, entry.Payload);
        }

        Now = target;
        return fired;
    }

    public long? NextDeadline => _pending.Count == 0 ? null : _pending.Min(e => e.Deadline);

    private readonly record struct Entry(long Due, int Sequence, long Deadline, int Payload);

    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry x, Entry y)
        {
            int byDue = x.Due.CompareTo(y.Due);
            return byDue != 0 ? byDue : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
