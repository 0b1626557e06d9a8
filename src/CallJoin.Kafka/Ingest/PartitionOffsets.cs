namespace CallJoin.Kafka.Ingest;

/// <summary>The consumed offsets of one partition not yet known safe, in order, with a durable flag each: a growable ring.</summary>
/// <remarks>Not thread-safe; owned by <see cref="OffsetLedger"/>. Allocates only when the ring grows.</remarks>
internal sealed class PartitionOffsets
{
    private long[] _offsets;
    private bool[] _durable;
    private int _head;
    private int _count;
    private long _next = -1;

    public PartitionOffsets(int initialCapacity)
    {
        var capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(initialCapacity, 16));
        _offsets = new long[capacity];
        _durable = new bool[capacity];
    }

    /// <summary>Entries held: consumed offsets from the lowest not-yet-durable one to the last consumed.</summary>
    public int Count => _count;

    /// <summary>Records <paramref name="offset"/> as consumed and returns the change in <see cref="Count"/>.</summary>
    /// <remarks>An offset at or below the last consumed one (a seek back) restarts the partition's record from it.</remarks>
    public int Consumed(long offset)
    {
        var before = _count;
        if (_next >= 0 && offset < _next)
        {
            _head = 0;
            _count = 0;
        }

        if (_count == _offsets.Length)
        {
            Grow();
        }

        var slot = (_head + _count) & (_offsets.Length - 1);
        _offsets[slot] = offset;
        _durable[slot] = false;
        _count++;
        _next = offset + 1;
        return _count - before;
    }

    /// <summary>Marks <paramref name="offset"/> durable (ignored if not held) and returns the change in <see cref="Count"/>.</summary>
    public int Durable(long offset)
    {
        if (_count == 0 || offset < _offsets[_head] || offset >= _next)
        {
            return 0;
        }

        var index = IndexOf(offset);
        if (index < 0)
        {
            return 0;
        }

        var mask = _offsets.Length - 1;
        _durable[(_head + index) & mask] = true;
        if (index != 0)
        {
            return 0;
        }

        var before = _count;
        while (_count > 0 && _durable[_head])
        {
            _head = (_head + 1) & mask;
            _count--;
        }

        return _count - before;
    }

    /// <summary>The next offset to read after a restart: the lowest held offset, or the last consumed + 1 when none is held.</summary>
    public bool TryGetCommitOffset(out long offset)
    {
        offset = _count > 0 ? _offsets[_head] : _next;
        return offset >= 0;
    }

    private int IndexOf(long offset)
    {
        var mask = _offsets.Length - 1;

        // Without gaps (the usual case) the offset's index is its distance from the head.
        var guess = offset - _offsets[_head];
        if (guess < _count && _offsets[(_head + (int)guess) & mask] == offset)
        {
            return (int)guess;
        }

        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var value = _offsets[(_head + mid) & mask];
            if (value == offset)
            {
                return mid;
            }

            if (value < offset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var durable = new bool[_offsets.Length * 2];
        var mask = _offsets.Length - 1;
        for (var i = 0; i < _count; i++)
        {
            offsets[i] = _offsets[(_head + i) & mask];
            durable[i] = _durable[(_head + i) & mask];
        }

        _offsets = offsets;
        _durable = durable;
        _head = 0;
    }
}
