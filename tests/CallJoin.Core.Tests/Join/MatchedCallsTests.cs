using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;

namespace CallJoin.Core.Tests.Join;

/// <summary>The matched-call memory: lookups, duplicate against conflict, expiry at the bucket edges, growth.</summary>
public sealed class MatchedCallsTests
{
    /// <summary>A multiple of every bucket width used here, so bucket edges fall on round times.</summary>
    internal const long T0 = 1_767_225_600_000;
    internal const long Retention = 10_000;
    internal const long Width = 1_000;

    [Fact]
    public void A_matched_call_answers_with_the_low_32_bits_of_both_hashes()
    {
        var calls = new MatchedCalls(TimeSpan.FromMilliseconds(Retention));
        calls.Add(Key(1), 0x1111_2222_3333_4444, 0x5555_6666_7777_8888, T0);

        Assert.True(calls.TryGet(Key(1), out var start, out var end));
        Assert.Equal(0x3333_4444u, start);
        Assert.Equal(0x7777_8888u, end);
        Assert.False(calls.TryGet(Key(2), out _, out _));
        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public void The_public_constructor_uses_a_32nd_of_the_retention_and_at_least_a_second_per_bucket()
    {
        Assert.Equal(112_500, new MatchedCalls(TimeSpan.FromHours(1)).BucketWidthMillis);
        Assert.Equal(1_000, new MatchedCalls(TimeSpan.FromSeconds(10)).BucketWidthMillis);
    }

    [Fact]
    public void The_same_half_is_a_duplicate_and_a_different_half_on_either_side_a_conflict()
    {
        var calls = new MatchedCalls(TimeSpan.FromMilliseconds(Retention));
        calls.Add(Key(1), startHash: 10, endHash: 20, T0);

        Assert.Equal(MatchedCallVerdict.Duplicate, calls.Recognise(Key(1), CallSide.Start, 10));
        Assert.Equal(MatchedCallVerdict.Duplicate, calls.Recognise(Key(1), CallSide.End, 20));
        Assert.Equal(MatchedCallVerdict.Conflict, calls.Recognise(Key(1), CallSide.Start, 20));
        Assert.Equal(MatchedCallVerdict.Conflict, calls.Recognise(Key(1), CallSide.End, 10));
        Assert.Equal(MatchedCallVerdict.Unknown, calls.Recognise(Key(2), CallSide.Start, 10));

        // Only the low 32 bits are kept: a hash differing above them is taken for the same half.
        Assert.Equal(MatchedCallVerdict.Duplicate, calls.Recognise(Key(1), CallSide.Start, 10 | (1UL << 40)));
    }

    [Fact]
    public void A_call_matched_at_a_buckets_first_ms_stays_until_retention_plus_width_minus_one()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Add(Key(1), 1, 2, T0);

        calls.Advance(T0 + Retention + Width - 2);
        Assert.True(calls.TryGet(Key(1), out _, out _));
        calls.Advance(T0 + Retention + Width - 1);
        Assert.False(calls.TryGet(Key(1), out _, out _));
        Assert.Equal(0, calls.Count);
    }

    [Fact]
    public void A_call_matched_at_a_buckets_last_ms_goes_exactly_at_its_retention()
    {
        var calls = new MatchedCalls(Retention, Width);
        var matchedAt = T0 + Width - 1;
        calls.Add(Key(1), 1, 2, matchedAt);
        calls.Add(Key(2), 1, 2, T0);

        calls.Advance(matchedAt + Retention - 1);
        Assert.True(calls.TryGet(Key(1), out _, out _));
        calls.Advance(matchedAt + Retention);
        Assert.False(calls.TryGet(Key(1), out _, out _));
        Assert.False(calls.TryGet(Key(2), out _, out _));
    }

    [Fact]
    public void Stream_time_never_goes_back_and_a_call_already_past_retention_is_not_stored()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Advance(T0 + (5 * Retention));
        calls.Add(Key(1), 1, 2, T0 + (5 * Retention) - 1);

        calls.Advance(T0);
        Assert.Equal(T0 + (5 * Retention), calls.Now);
        Assert.True(calls.TryGet(Key(1), out _, out _));

        calls.Add(Key(2), 1, 2, T0 + (4 * Retention) - Width);
        Assert.False(calls.TryGet(Key(2), out _, out _));
        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public void The_first_call_before_any_advance_sets_stream_time()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Add(Key(1), 1, 2, T0);

        Assert.Equal(T0, calls.Now);
        calls.Advance(T0 + Retention - 1);
        Assert.True(calls.TryGet(Key(1), out _, out _));
    }

    [Fact]
    public void A_key_added_again_answers_with_its_newest_hashes_in_the_same_bucket_and_in_a_later_one()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Add(Key(1), 1, 2, T0);
        calls.Add(Key(1), 3, 4, T0 + 1);
        Assert.True(calls.TryGet(Key(1), out var start, out var end));
        Assert.Equal((3u, 4u), (start, end));
        Assert.Equal(1, calls.Count);

        calls.Add(Key(1), 5, 6, T0 + (3 * Width));
        Assert.True(calls.TryGet(Key(1), out start, out end));
        Assert.Equal((5u, 6u), (start, end));

        // The older copy goes first; the newer one still answers.
        calls.Advance(T0 + Retention + Width);
        Assert.True(calls.TryGet(Key(1), out start, out end));
        Assert.Equal((5u, 6u), (start, end));
        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public void Calls_spread_over_every_bucket_are_found_until_their_own_bucket_goes()
    {
        var calls = new MatchedCalls(Retention, Width);
        for (long t = 0; t < Retention; t += 100)
        {
            calls.Advance(T0 + t);
            calls.Add(Key((int)t), (ulong)t, (ulong)~t, T0 + t);
        }

        for (long t = 0; t < Retention; t += 100)
        {
            Assert.True(calls.TryGet(Key((int)t), out var start, out _));
            Assert.Equal((uint)t, start);
        }

        calls.Advance(T0 + Retention + (5 * Width) - 1);
        for (long t = 0; t < Retention; t += 100)
        {
            Assert.Equal(t >= 5 * Width, calls.TryGet(Key((int)t), out _, out _));
        }
    }

    [Fact]
    public void A_call_matched_ahead_of_stream_time_is_kept_a_full_retention_after_its_own_time()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Advance(T0);
        calls.Add(Key(1), 1, 2, T0 + (2 * Retention));

        calls.Advance(T0 + (3 * Retention) - 1);
        Assert.True(calls.TryGet(Key(1), out _, out _));
        calls.Advance(T0 + (3 * Retention) + Width);
        Assert.False(calls.TryGet(Key(1), out _, out _));
    }

    [Fact]
    public void A_call_matched_beyond_the_ring_is_kept_in_its_newest_bucket()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Advance(T0);
        // The oldest live bucket starts at T0 - retention; the ring reaches SlotCount - 1 buckets past it.
        var newestBucketStart = T0 - Retention + ((calls.SlotCount - 1) * Width);
        calls.Add(Key(1), 1, 2, T0 + (1_000 * Retention));

        Assert.True(calls.TryGet(Key(1), out _, out _));
        calls.Advance(newestBucketStart + Retention + Width - 2);
        Assert.True(calls.TryGet(Key(1), out _, out _));
        calls.Advance(newestBucketStart + Retention + Width - 1);
        Assert.False(calls.TryGet(Key(1), out _, out _));
    }

    [Fact]
    public void Negative_times_fall_in_their_own_buckets()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Add(Key(1), 1, 2, -1);

        calls.Advance(Retention - 2);
        Assert.True(calls.TryGet(Key(1), out _, out _));
        calls.Advance(Retention - 1);
        Assert.False(calls.TryGet(Key(1), out _, out _));
    }

    [Fact]
    public void A_bucket_grows_by_doubling_within_three_quarters_load_and_a_dropped_bucket_keeps_its_table()
    {
        const int Calls = 100_000;
        var calls = new MatchedCalls(Retention, Width);
        calls.Advance(T0);
        var empty = calls.Bytes;
        for (int i = 0; i < Calls; i++)
        {
            calls.Add(Key(i), (ulong)i, (ulong)i + 1, T0);
        }

        for (int i = 0; i < Calls; i++)
        {
            Assert.True(calls.TryGet(Key(i), out var start, out _));
            Assert.Equal((uint)i, start);
        }

        // 100k at load 3/4 needs 133,334 slots: the next power of two is 2^18.
        var tableBytes = calls.Bytes - empty;
        Assert.Equal(Calls, calls.Count);
        Assert.Equal((1L << 18) * 16, tableBytes);

        calls.Advance(T0 + Retention + Width);
        Assert.Equal(0, calls.Count);
        Assert.Equal(tableBytes, calls.Bytes - empty);
        Assert.False(calls.TryGet(Key(0), out _, out _));

        // The same slot serves a later slice: filling it again allocates no new table.
        var reuse = T0 + (calls.SlotCount * Width);
        calls.Advance(reuse);
        for (int i = 0; i < Calls; i++)
        {
            calls.Add(Key(i + Calls), 1, 2, reuse);
        }

        Assert.Equal(tableBytes, calls.Bytes - empty);
        Assert.False(calls.TryGet(Key(1), out _, out _));
        Assert.True(calls.TryGet(Key(Calls + 1), out _, out _));
    }

    [Fact]
    public void A_table_left_mostly_idle_for_a_whole_slice_is_released_when_its_bucket_goes()
    {
        var calls = new MatchedCalls(Retention, Width);
        calls.Advance(T0);
        var empty = calls.Bytes;
        for (int i = 0; i < 10_000; i++)
        {
            calls.Add(Key(i), 1, 2, T0);
        }

        var reuse = T0 + (calls.SlotCount * Width);
        calls.Advance(reuse);
        calls.Add(Key(1), 1, 2, reuse);
        calls.Advance(reuse + Retention + Width);

        Assert.Equal(empty, calls.Bytes);
    }

    [Fact]
    public void A_zero_retention_remembers_nothing()
    {
        var calls = new MatchedCalls(TimeSpan.Zero);
        calls.Add(Key(1), 1, 2, T0);
        calls.Advance(T0);

        Assert.False(calls.Enabled);
        Assert.False(calls.TryGet(Key(1), out _, out _));
        Assert.Equal(MatchedCallVerdict.Unknown, calls.Recognise(Key(1), CallSide.Start, 1));
        Assert.Equal(0, calls.Count);
        Assert.Equal(0, calls.Bytes);
    }

    [Fact]
    public void A_negative_retention_or_a_bucket_too_narrow_for_the_ring_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MatchedCalls(TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MatchedCalls(1_000_000, 1));
    }

    internal static CallKey Key(int i) => new((ulong)i * 0x9E37_79B9_7F4A_7C15, (ulong)i);
}
