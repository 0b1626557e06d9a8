using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CallJoin.Core.Timers;

/// <summary>
/// Timers on stream time (milliseconds since the Unix epoch): O(1) schedule and cancel, and an advance whose work is
/// proportional to the timers it fires or moves down a level, however far time jumps.
/// </summary>
/// <typeparam name="T">A small payload stored with each timer, e.g. a join key and a kind.</typeparam>
/// <remarks>
/// <para>
/// Eleven levels of 64 slots cover the whole <see cref="long"/> range with 1 ms resolution: a level-L slot spans
/// 64^L ms (1 ms, 64 ms, 4.1 s, 4.4 min, 4.7 h, 12.4 days, ...). A timer sits at the level of the highest 6-bit group in
/// which its deadline differs from <see cref="Now"/>, so every slot lies ahead of Now in its level's current turn. A
/// 64-bit occupancy map per level (and one over levels) finds the next occupied slot with a trailing-zero count;
/// advancing jumps straight to it and re-places its timers one level down (or fires them at level 0), never ticking
/// through empty milliseconds.
/// </para>
/// <para>
/// Firing order is deterministic: by deadline, then by schedule order. A timer whose deadline is at or before Now when
/// scheduled counts as due at Now: it fires on the next <see cref="Advance{TSink}"/>, before anything later, and is
/// reported with the deadline it was given.
/// </para>
/// <para>
/// Not thread-safe: one wheel per consuming thread. Timers (links, deadline and payload together) live in a pooled
/// struct array (free list, doubling when full) linked by index, so scheduling, cancelling and firing allocate nothing
/// once the pool has grown to the peak count. With a million timers the pool outgrows the caches, and firing costs about
/// one cache miss per level a timer descends (see TimerWheelBenchmarks).
/// </para>
/// </remarks>
public sealed class TimerWheel<T> where T : struct
{
    private const int SlotBits = 6;
    private const int SlotsPerLevel = 1 << SlotBits;
    private const int SlotMask = SlotsPerLevel - 1;
    private const int Levels = (64 + SlotBits - 1) / SlotBits;

    // Nodes [0, Levels * 64) are the slot lists' sentinels, then the due list's; timers follow.
    private const int DueList = Levels * SlotsPerLevel;
    private const int FirstTimer = DueList + 1;
    private const int None = -1;

    // Stream times map to ulong by flipping the sign bit, which keeps their order over the whole long range.
    private const ulong SignBit = 1UL << 63;

    private readonly ulong[] _occupied = new ulong[Levels];
    private Node[] _nodes;
    private int _occupiedLevels;
    private int _freeHead = None;
    private ulong _now;
    private int _count;
    private int _firstGeneration;
    private bool _advancing;

    /// <summary>Creates an empty wheel whose clock starts at <paramref name="now"/>.</summary>
    /// <param name="now">The starting stream time; any value, e.g. the first record's timestamp in a replay.</param>
    /// <param name="initialCapacity">Timers the pool holds before it first grows (it doubles when full).</param>
    public TimerWheel(long now, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(initialCapacity, Array.MaxLength - FirstTimer);
        _now = ToWheelTime(now);
        int length = FirstTimer + initialCapacity;
        _nodes = new Node[length];
        for (int sentinel = 0; sentinel < FirstTimer; sentinel++)
        {
            _nodes[sentinel].Next = sentinel;
            _nodes[sentinel].Prev = sentinel;
            _nodes[sentinel].List = sentinel;
        }

        AddToFreeList(FirstTimer, length);
    }

    /// <summary>The wheel's stream time: the latest time passed to <see cref="Advance{TSink}"/>.</summary>
    /// <remarks>During a sink callback it is the deadline being fired (or, for a timer scheduled in the past, the time it
    /// became due), so timers scheduled from a callback relative to Now behave as if scheduled at that moment.</remarks>
    public long Now => FromWheelTime(_now);

    /// <summary>Timers scheduled and not yet fired or cancelled.</summary>
    public int Count => _count;

    /// <summary>Timers the pool holds before it next grows.</summary>
    public int Capacity => _nodes.Length - FirstTimer;

    /// <summary>
    /// Makes every handle issued from now on carry a generation above <paramref name="generation"/>, so that handles another
    /// wheel issued up to it (kept in records restored from a checkpoint) can never cancel one of this wheel's timers.
    /// </summary>
    /// <remarks>Only while no timer is scheduled: live handles would otherwise go stale.</remarks>
    public void IssueGenerationsAbove(int generation)
    {
        if (_count != 0)
        {
            throw new InvalidOperationException("TimerWheel.IssueGenerationsAbove needs an empty wheel.");
        }

        _firstGeneration = generation + 1;
        for (int index = FirstTimer; index < _nodes.Length; index++)
        {
            _nodes[index].Generation = Math.Max(_nodes[index].Generation, _firstGeneration);
        }
    }

    /// <summary>Schedules a timer that fires on the first <see cref="Advance{TSink}"/> to reach <paramref name="deadline"/>.</summary>
    /// <remarks>A deadline at or before <see cref="Now"/> fires on the next Advance (even one that does not move time).
    /// O(1); allocates only when the pool is full and doubles.</remarks>
    /// <returns>A handle that cancels this timer until it fires or is cancelled.</returns>
    public TimerHandle Schedule(long deadline, in T payload)
    {
        if (_freeHead == None)
        {
            Grow();
        }

        int index = _freeHead;
        ref Node node = ref _nodes[index];
        _freeHead = node.Next;
        node.Deadline = deadline;
        node.Payload = payload;
        Place(index, ToWheelTime(deadline));
        _count++;
        return new TimerHandle(index, node.Generation);
    }

    /// <summary>Cancels a pending timer in O(1).</summary>
    /// <returns>True when the timer was pending; false for a timer that already fired or was cancelled, or <c>default</c>.</returns>
    public bool Cancel(TimerHandle handle)
    {
        int index = handle.Index;
        if ((uint)(index - FirstTimer) >= (uint)(_nodes.Length - FirstTimer))
        {
            return false;
        }

        ref Node node = ref _nodes[index];
        if (node.Generation != handle.Generation || node.List == None)
        {
            return false;
        }

        Unlink(index);
        Release(index);
        return true;
    }

    /// <summary>
    /// Moves the clock to <paramref name="now"/> and fires every timer with a deadline at or before it, in deadline then
    /// schedule order, through <paramref name="sink"/>.
    /// </summary>
    /// <remarks>
    /// <para>Time never goes backwards: an earlier <paramref name="now"/> leaves the clock where it is, and only timers
    /// already due fire. Work is proportional to the timers fired or moved down a level, plus the levels, not to the
    /// milliseconds elapsed.</para>
    /// <para>The sink may schedule and cancel timers: a timer scheduled from a callback with a deadline up to
    /// <paramref name="now"/> fires within this call. It must not call Advance (that throws). If the sink throws, the
    /// exception propagates with the wheel consistent: the timer being fired is gone, the rest stay scheduled, and Now
    /// is the deadline being fired.</para>
    /// </remarks>
    /// <returns>The number of timers fired.</returns>
    public int Advance<TSink>(long now, ref TSink sink)
        where TSink : struct, ITimerSink<T>
        => Advance(now, ref sink, int.MaxValue);

    /// <summary>
    /// As <see cref="Advance{TSink}(long, ref TSink)"/>, but stops once <paramref name="maxFired"/> timers have fired and
    /// more are due: Now then stays at the deadline reached, and the next call goes on from there in the same order.
    /// </summary>
    /// <remarks>Lets a caller fire a large backlog of due timers in slices, e.g. while downstream has room for their output.</remarks>
    /// <returns>The number of timers fired.</returns>
    public int Advance<TSink>(long now, ref TSink sink, int maxFired)
        where TSink : struct, ITimerSink<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFired);
        if (_advancing)
        {
            ThrowReentrant();
        }

        _advancing = true;
        try
        {
            ulong target = Math.Max(ToWheelTime(now), _now);
            int fired = 0;
            while (true)
            {
                fired += FireDue(ref sink, maxFired - fired);
                if (fired >= maxFired && _nodes[DueList].Next != DueList)
                {
                    return fired;   // out of budget with timers still due: Now stays where they fell due
                }

                if (_occupiedLevels == 0)
                {
                    break;
                }

                // The lowest occupied level's first occupied slot starts before every other slot.
                int level = BitOperations.TrailingZeroCount(_occupiedLevels);
                int slot = BitOperations.TrailingZeroCount(_occupied[level]);
                ulong start = SlotStart(_now, level, slot);
                if (start > target)
                {
                    break;
                }

                if (fired >= maxFired)
                {
                    return fired;   // more may fall due on the way: stay at the last deadline fired
                }

                _now = start;
                Cascade((level << SlotBits) | slot);
            }

            _now = target;
            return fired;
        }
        finally
        {
            _advancing = false;
        }
    }

    /// <summary>Gets the earliest deadline among the pending timers; false when there are none.</summary>
    /// <remarks>Exact. O(1) when that timer is due or within 64 ms of Now; otherwise it reads the timers of one slot
    /// (the earliest occupied one). For an O(1) bound to sleep until, use <see cref="TryGetNextWakeTime"/>.</remarks>
    public bool TryGetNextDeadline(out long deadline)
    {
        Node[] nodes = _nodes;
        if (nodes[DueList].Next != DueList)
        {
            deadline = MinDeadline(DueList);
            return true;
        }

        if (_occupiedLevels == 0)
        {
            deadline = 0;
            return false;
        }

        int level = BitOperations.TrailingZeroCount(_occupiedLevels);
        int slot = BitOperations.TrailingZeroCount(_occupied[level]);
        deadline = level == 0 ? FromWheelTime(SlotStart(_now, 0, slot)) : MinDeadline((level << SlotBits) | slot);
        return true;
    }

    /// <summary>
    /// Gets the earliest stream time at which <see cref="Advance{TSink}"/> has work in O(1); false when no timer is pending.
    /// </summary>
    /// <remarks>
    /// <see cref="Now"/> when a timer is already due; otherwise the start of the earliest occupied slot, which is at or
    /// before the next deadline (equal within 64 ms of Now). Advancing to it either fires timers or moves the slot's timers
    /// down a level, so an idle loop that sleeps until this time converges on the exact deadline in at most one wake-up per
    /// level.
    /// </remarks>
    public bool TryGetNextWakeTime(out long time)
    {
        if (_nodes[DueList].Next != DueList)
        {
            time = Now;
            return true;
        }

        if (_occupiedLevels == 0)
        {
            time = 0;
            return false;
        }

        int level = BitOperations.TrailingZeroCount(_occupiedLevels);
        int slot = BitOperations.TrailingZeroCount(_occupied[level]);
        time = FromWheelTime(SlotStart(_now, level, slot));
        return true;
    }

    private static ulong ToWheelTime(long time) => (ulong)time ^ SignBit;

    private static long FromWheelTime(ulong time) => (long)(time ^ SignBit);

    /// <summary>The start of <paramref name="slot"/> at <paramref name="level"/> in the level's turn containing <paramref name="now"/>.</summary>
    private static ulong SlotStart(ulong now, int level, int slot)
    {
        int shift = level * SlotBits;
        int turnShift = shift + SlotBits;
        ulong turn = turnShift >= 64 ? 0 : now >> turnShift << turnShift;
        return turn | ((ulong)slot << shift);
    }

    /// <summary>Fires the due list head first, including timers the sink adds to it meanwhile, at most <paramref name="budget"/>.</summary>
    private int FireDue<TSink>(ref TSink sink, int budget)
        where TSink : struct, ITimerSink<T>
    {
        int fired = 0;
        while (fired < budget)
        {
            // Re-read the arrays each time: the sink may schedule and so grow the pool.
            int index = _nodes[DueList].Next;
            if (index == DueList)
            {
                return fired;
            }

            Unlink(index);
            long deadline = _nodes[index].Deadline;
            T payload = _nodes[index].Payload;
            Release(index);
            fired++;
            sink.OnExpired(deadline, in payload);
        }

        return fired;
    }

    /// <summary>Empties a slot that time has reached, re-placing each timer relative to the new Now, in list order.</summary>
    /// <remarks>Its timers all go to lower levels or the due list, whose lists hold no timer with the same deadline, so
    /// appending in order keeps equal deadlines in schedule order.</remarks>
    private void Cascade(int list)
    {
        ClearOccupied(list);
        Node[] nodes = _nodes;
        int index = nodes[list].Next;
        nodes[list].Next = list;
        nodes[list].Prev = list;
        while (index != list)
        {
            int next = nodes[index].Next;
            Place(index, ToWheelTime(nodes[index].Deadline));
            index = next;
        }
    }

    /// <summary>Appends a timer to the due list or to the slot its deadline falls in, given the current Now.</summary>
    private void Place(int index, ulong deadline)
    {
        int list = DueList;
        if (deadline > _now)
        {
            int level = BitOperations.Log2(deadline ^ _now) / SlotBits;
            int slot = (int)(deadline >> (level * SlotBits)) & SlotMask;
            list = (level << SlotBits) | slot;
            _occupied[level] |= 1UL << slot;
            _occupiedLevels |= 1 << level;
        }

        Node[] nodes = _nodes;
        ref Node sentinel = ref nodes[list];
        int tail = sentinel.Prev;
        ref Node node = ref nodes[index];
        node.List = list;
        node.Next = list;
        node.Prev = tail;
        nodes[tail].Next = index;
        sentinel.Prev = index;
    }

    private void Unlink(int index)
    {
        Node[] nodes = _nodes;
        ref Node node = ref nodes[index];
        int next = node.Next;
        int prev = node.Prev;
        nodes[prev].Next = next;
        nodes[next].Prev = prev;

        // Neighbours are equal only when both are the sentinel: the list is now empty.
        if (prev == next && node.List != DueList)
        {
            ClearOccupied(node.List);
        }
    }

    private void ClearOccupied(int list)
    {
        int level = list >> SlotBits;
        ulong occupied = _occupied[level] & ~(1UL << (list & SlotMask));
        _occupied[level] = occupied;
        if (occupied == 0)
        {
            _occupiedLevels &= ~(1 << level);
        }
    }

    /// <summary>Returns an unlinked timer's node to the pool, invalidating its handles.</summary>
    private void Release(int index)
    {
        ref Node node = ref _nodes[index];
        node.List = None;
        node.Generation++;
        node.Next = _freeHead;
        _freeHead = index;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            node.Payload = default;
        }

        _count--;
    }

    private long MinDeadline(int list)
    {
        Node[] nodes = _nodes;
        long min = long.MaxValue;
        for (int index = nodes[list].Next; index != list; index = nodes[index].Next)
        {
            min = Math.Min(min, nodes[index].Deadline);
        }

        return min;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        int length = _nodes.Length;
        int grown = (int)Math.Min(2L * length, Array.MaxLength);
        if (grown == length)
        {
            ThrowFull();
        }

        Array.Resize(ref _nodes, grown);
        AddToFreeList(length, grown);
    }

    /// <summary>Pushes the fresh nodes [from, to) so that the lowest index is handed out first.</summary>
    private void AddToFreeList(int from, int to)
    {
        for (int index = to - 1; index >= from; index--)
        {
            _nodes[index].List = None;
            _nodes[index].Generation = _firstGeneration;
            _nodes[index].Next = _freeHead;
            _freeHead = index;
        }
    }

    [DoesNotReturn]
    private static void ThrowReentrant() =>
        throw new InvalidOperationException("TimerWheel.Advance was called from a timer sink callback.");

    [DoesNotReturn]
    private static void ThrowFull() =>
        throw new InvalidOperationException("TimerWheel cannot hold more timers.");

    /// <summary>A pooled timer, or a list sentinel: links by index, so the pool is one flat array.</summary>
    private struct Node
    {
        /// <summary>The deadline as scheduled.</summary>
        public long Deadline;

        public int Next;

        public int Prev;

        /// <summary>Sentinel index of the list the timer is on (a slot or the due list); <see cref="None"/> when free.</summary>
        public int List;

        /// <summary>Bumped on release so stale handles miss.</summary>
        public int Generation;

        /// <summary>Inline, so firing reads the cache line the last cascade just wrote.</summary>
        public T Payload;
    }
}
