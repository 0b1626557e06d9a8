using CallJoin.Core.Join;
using static CallJoin.Core.Tests.Join.MatchedCallsTests;

namespace CallJoin.Core.Tests.Join;

/// <summary>Saving and restoring the matched-call memory: the same answers after a round trip, and corrupt files refused.</summary>
public sealed class MatchedCallsPersistenceTests
{
    [Fact]
    public void A_restored_set_answers_and_expires_as_the_saved_one()
    {
        var saved = Filled();
        var restored = MatchedCalls.ReadFrom(new MemoryStream(Save(saved)));

        Assert.Equal(saved.Count, restored.Count);
        Assert.Equal(saved.Now, restored.Now);
        Assert.Equal(saved.RetentionMillis, restored.RetentionMillis);
        Assert.Equal(saved.BucketWidthMillis, restored.BucketWidthMillis);
        var until = saved.Now + Retention + (2 * Width);
        for (long now = saved.Now; now < until; now += Width / 4)
        {
            saved.Advance(now);
            restored.Advance(now);
            for (int i = 0; i < 3_000; i++)
            {
                Assert.Equal(saved.TryGet(Key(i), out var start, out var end), restored.TryGet(Key(i), out var restoredStart, out var restoredEnd));
                Assert.Equal((start, end), (restoredStart, restoredEnd));
            }

            Assert.Equal(saved.Count, restored.Count);
        }

        Assert.Equal(0, restored.Count);
    }

    [Fact]
    public void An_empty_set_and_a_disabled_one_round_trip()
    {
        var empty = MatchedCalls.ReadFrom(new MemoryStream(Save(new MatchedCalls(Retention, Width))));
        Assert.Equal(0, empty.Count);
        Assert.Equal(long.MinValue, empty.Now);
        empty.Add(Key(1), 1, 2, T0);
        Assert.True(empty.TryGet(Key(1), out _, out _));

        var disabled = MatchedCalls.ReadFrom(new MemoryStream(Save(new MatchedCalls(TimeSpan.Zero))));
        Assert.False(disabled.Enabled);
    }

    [Fact]
    public void Reading_leaves_a_seekable_stream_just_after_the_set()
    {
        var stream = new MemoryStream();
        Filled().WriteTo(stream);
        stream.WriteByte(0xAB);
        stream.Position = 0;

        MatchedCalls.ReadFrom(stream);
        Assert.Equal(0xAB, stream.ReadByte());
    }

    [Fact]
    public void Every_single_bit_flip_is_refused()
    {
        var calls = new MatchedCalls(Retention, Width);
        for (int i = 0; i < 20; i++)
        {
            calls.Add(Key(i), (ulong)i, (ulong)i * 3, T0 + (i * 400));
        }

        var bytes = Save(calls);
        for (int bit = 0; bit < bytes.Length * 8; bit++)
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<InvalidDataException>(() => MatchedCalls.ReadFrom(new MemoryStream(corrupt)));
        }
    }

    [Fact]
    public void Every_truncation_is_refused_and_an_empty_stream_says_so()
    {
        var bytes = Save(Filled());
        for (int length = 0; length < bytes.Length; length += length < 200 ? 1 : 997)
        {
            Assert.Throws<InvalidDataException>(() => MatchedCalls.ReadFrom(new MemoryStream(bytes, 0, length)));
        }

        var error = Assert.Throws<InvalidDataException>(() => MatchedCalls.ReadFrom(new MemoryStream()));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_version_is_refused_by_name()
    {
        var bytes = Save(Filled());
        bytes[4] = 2;

        var error = Assert.Throws<InvalidDataException>(() => MatchedCalls.ReadFrom(new MemoryStream(bytes)));
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>3,000 calls over one retention of stream time, some already dropped, some re-added.</summary>
    private static MatchedCalls Filled()
    {
        var calls = new MatchedCalls(Retention, Width);
        for (int i = 0; i < 3_000; i++)
        {
            var at = T0 + (i * 5);
            calls.Advance(at);
            calls.Add(Key(i), (ulong)i << 1, ((ulong)i << 1) + 1, at);
            if (i % 7 == 0)
            {
                calls.Add(Key(i / 2), 99, 98, at);
            }
        }

        return calls;
    }

    private static byte[] Save(MatchedCalls calls)
    {
        var stream = new MemoryStream();
        calls.WriteTo(stream);
        return stream.ToArray();
    }
}
