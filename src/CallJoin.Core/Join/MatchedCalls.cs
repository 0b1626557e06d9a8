using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Numerics;
using CallJoin.Core.Halves;
using CallJoin.Core.State;

namespace CallJoin.Core.Join;

/// <summary>
/// Remembers matched calls for a retention in stream time, so that a redelivered half is recognised as a duplicate
/// (or a conflict) instead of starting a new call: a 16-byte entry per call in flat tables, no timer per call.
/// </summary>
/// <remarks>
/// <para>
/// Entries live in time buckets of <see cref="BucketWidthMillis"/> (retention/32, at least 1 s) of matched time.
/// <see cref="Advance"/> drops a whole bucket once its newest possible entry is older than the retention; the bucket's
/// table is cleared and kept for a later slice. Precisely, a call matched at stream time <c>m</c> is found while
/// stream time is below <c>m + retention</c>, and is gone once stream time reaches
/// <c>m + retention + bucketWidth - 1</c>; in between it depends on where <c>m</c> falls in its bucket. A call
/// matched later than the newest bucket the ring holds (four live spans from the oldest live bucket, several
/// retentions ahead of stream time) is kept in that newest bucket, so it may go sooner than its own time says.
/// </para>
/// <para>
/// Each bucket is an open-addressing table (linear probing, power-of-two capacity, load at most 3/4, doubling) of
/// 16-byte entries: a 64-bit fingerprint of the key (XxHash3 of the key's 16 bytes with its own seed, independent of
/// the store's index hash) and the low 32 bits of each half's content hash. A lookup probes the live buckets newest
/// first, so when a key was added more than once the entry in the newest bucket answers. Memory is 16 bytes over
/// the load, 21 to 43 bytes per call (27 for 10M calls spread over an hour); a dropped bucket keeps its table, unless
/// its slice used less than 1/16 of it.
/// </para>
/// <para>
/// False positives: no key bytes are kept, so a different call whose fingerprint equals a remembered one looks
/// matched, and its half is reported as a conflict (or, with odds 2^-32, a duplicate) instead of being joined. With
/// n calls remembered the odds per lookup are n/2^64: at 180M calls (50k/s for an hour) about 1e-11 per lookup, and
/// with every new call looked up once, n²/2^64 ≈ 0.0018 such calls per hour, one in about 24 days. A conflicting half
/// whose content hash agrees with the remembered one in its low 32 bits is taken for a duplicate (odds 2^-32).
/// </para>
/// <para>Single-threaded, like the engine that owns it. No allocation per call once the buckets have grown.</para>
/// </remarks>
public sealed partial class MatchedCalls
{
    private const int MinTableCapacity = 64;
    private const int EntryBytes = 16;
    private const long NoBucket = long.MinValue;
    private const int MaxSlots = 1 << 16;

    /// <summary>Seed for key fingerprints, so they do not correlate with any other hash of the key.</summary>
    private const long FingerprintSeed = 0x6d61_7463_6865_6473;   // "matcheds"

    private readonly long _retention;
    private readonly long _width;
    private readonly Bucket[] _slots;
    private readonly long _mask;
    private long _now = long.MinValue;
    private long _oldest = long.MinValue;
    private long _newest = long.MinValue;
    private long _count;
    private long _tableBytes;

    /// <summary>Creates an empty set that remembers each call for <paramref name="retention"/>; zero disables it.</summary>
    public MatchedCalls(TimeSpan retention)
        : this(ToMillis(retention), DefaultBucketWidth(ToMillis(retention)))
    {
    }

    /// <summary>Creates an empty set with an explicit bucket width (tests, and restoring a saved set).</summary>
    internal MatchedCalls(long retentionMillis, long bucketWidthMillis)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retentionMillis);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketWidthMillis);
        _retention = retentionMillis;
        _width = bucketWidthMillis;
        if (retentionMillis == 0)
        {
            _slots = [];
            return;
        }

        // The live span is at most ceil(retention/width) + 1 buckets; four times that leaves room for calls matched
        // ahead of stream time (a partition read ahead of the slowest one): for an hour, 256 slots of 112.5 s.
        var live = (retentionMillis / bucketWidthMillis) + 3;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(live, MaxSlots / 4, "retention / bucket width");
        var slots = (int)BitOperations.RoundUpToPowerOf2((ulong)live * 4);
        _slots = new Bucket[slots];
        for (int i = 0; i < slots; i++)
        {
            _slots[i] = new Bucket();
        }

        _mask = slots - 1;
    }

    /// <summary>How long a matched call is remembered, in ms of stream time; zero when disabled.</summary>
    public long RetentionMillis => _retention;

    /// <summary>The slice of matched time one bucket covers, in ms.</summary>
    public long BucketWidthMillis => _width;

    /// <summary>False when the retention is zero: nothing is remembered.</summary>
    public bool Enabled => _retention > 0;

    /// <summary>Stream time as last advanced (ms); <see cref="long.MinValue"/> before any.</summary>
    public long Now => _now;

    /// <summary>Entries held, live or waiting for their bucket to be dropped.</summary>
    public long Count => _count;

    /// <summary>Memory held by the tables and bucket headers, in bytes (for metrics).</summary>
    public long Bytes => _tableBytes + (_slots.Length * 40L);

    /// <summary>Buckets in the ring: how far ahead of the oldest live bucket a call can be placed.</summary>
    internal int SlotCount => _slots.Length;

    /// <summary>Remembers a matched call: its key, both halves' content hashes, and the stream time it matched at.</summary>
    /// <remarks>
    /// A call whose time is already past its retention is not stored. Before the first <see cref="Advance"/>, the first
    /// call's time becomes stream time. Adding a key again stores the newer hashes.
    /// </remarks>
    public void Add(in CallKey key, ulong startHash, ulong endHash, long matchedAtMillis)
    {
        if (_retention == 0)
        {
            return;
        }

        if (_now == long.MinValue)
        {
            Advance(matchedAtMillis);
        }

        var number = FloorDiv(matchedAtMillis, _width);
        if (number < _oldest)
        {
            return;
        }

        number = Math.Min(number, _oldest + _slots.Length - 1);
        var bucket = _slots[number & _mask];
        if (bucket.Number != number)
        {
            Debug.Assert(bucket.Count == 0, "a slot is reused only after its bucket was dropped");
            bucket.Number = number;
        }

        var capacityBefore = bucket.Table.Length;
        if (bucket.Insert(Fingerprint(key), (uint)startHash, (uint)endHash))
        {
            _count++;
        }

        _tableBytes += (long)(bucket.Table.Length - capacityBefore) * EntryBytes;
        _newest = Math.Max(_newest, number);
    }

    /// <summary>Looks a key up among the live buckets, newest first: the low 32 bits of its halves' content hashes.</summary>
    public bool TryGet(in CallKey key, out uint startHash32, out uint endHash32)
    {
        if (_count != 0)
        {
            var fingerprint = Fingerprint(key);
            for (var number = _newest; number >= _oldest; number--)
            {
                var bucket = _slots[number & _mask];
                if (bucket.Number == number && bucket.Count != 0 && bucket.TryGet(fingerprint, out startHash32, out endHash32))
                {
                    return true;
                }
            }
        }

        startHash32 = 0;
        endHash32 = 0;
        return false;
    }

    /// <summary>Classifies an arriving half against the remembered call: duplicate, conflict, or unknown.</summary>
    /// <param name="contentHash">The half's 64-bit content hash, as passed to <see cref="Add"/>; its low 32 bits count.</param>
    public MatchedCallVerdict Recognise(in CallKey key, CallSide side, ulong contentHash)
    {
        if (!TryGet(key, out var start, out var end))
        {
            return MatchedCallVerdict.Unknown;
        }

        var remembered = side == CallSide.Start ? start : end;
        return remembered == (uint)contentHash ? MatchedCallVerdict.Duplicate : MatchedCallVerdict.Conflict;
    }

    /// <summary>Moves stream time forward and drops the buckets whose calls are all past retention.</summary>
    /// <remarks>An earlier time than the current one is ignored: stream time never goes back.</remarks>
    public void Advance(long streamTimeMillis)
    {
        if (_retention == 0 || streamTimeMillis <= _now)
        {
            return;
        }

        _now = streamTimeMillis;
        var oldest = OldestLiveBucket(streamTimeMillis);
        if (oldest <= _oldest)
        {
            return;
        }

        if (_count != 0)
        {
            var end = Math.Min(oldest, _newest + 1);
            if (end - _oldest >= _slots.Length)
            {
                foreach (var bucket in _slots)
                {
                    if (bucket.Count != 0 && bucket.Number < oldest)
                    {
                        Drop(bucket);
                    }
                }
            }
            else
            {
                for (var number = _oldest; number < end; number++)
                {
                    var bucket = _slots[number & _mask];
                    if (bucket.Number == number)
                    {
                        Drop(bucket);
                    }
                }
            }
        }

        _oldest = oldest;
        _newest = Math.Max(_newest, oldest - 1);
    }

    /// <summary>The oldest bucket that may hold a live call: bucket b is dropped once (b+1)·width − 1 + retention ≤ now.</summary>
    private long OldestLiveBucket(long now) => FloorDiv(Math.Max(now, long.MinValue + _retention) - _retention + 1, _width);

    private void Drop(Bucket bucket)
    {
        _count -= bucket.Count;
        var capacityBefore = bucket.Table.Length;
        bucket.Clear();
        _tableBytes += (long)(bucket.Table.Length - capacityBefore) * EntryBytes;
    }

    /// <summary>XxHash3 of the key's 16 bytes (little-endian), never zero: zero marks an empty slot.</summary>
    private static ulong Fingerprint(in CallKey key)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, key.Low);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], key.High);
        var fingerprint = XxHash3.HashToUInt64(bytes, FingerprintSeed);
        return fingerprint == 0 ? 1 : fingerprint;
    }

    private static long FloorDiv(long value, long divisor)
    {
        var quotient = Math.DivRem(value, divisor, out var remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    private static long ToMillis(TimeSpan retention)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.Zero);
        return (long)retention.TotalMilliseconds;
    }

    private static long DefaultBucketWidth(long retentionMillis) => Math.Max(1_000, retentionMillis / 32);
}
