using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CsCheck;
using static CallJoin.Core.Tests.Join.MatchedCallsTests;

namespace CallJoin.Core.Tests.Join;

/// <summary>The matched-call memory against a dictionary with explicit expiry times, over generated adds and advances.</summary>
public sealed class MatchedCallsPropertyTests
{
    private const int Keys = 40;

    private enum OpKind
    {
        Add,
        Advance,
        AdvanceToEdge,
        Recognise,
        SaveAndRestore,
    }

    /// <summary>One step; <see cref="Delta"/> is a time offset (from now or from an edge), the rest pick a key and hashes.</summary>
    private readonly record struct Op(OpKind Kind, int Key, long Delta, ulong Start, ulong End, int Pick);

    private readonly record struct Setup(long Retention, long Width, long Start);

    /// <summary>Widths from 1 ms to above the retention, at most 64 buckets per retention.</summary>
    private static readonly Gen<Setup> s_setup =
        from retention in Gen.Frequency((3, Gen.Long[1, 50_000]), (1, Gen.OneOf(1L, 1_000L, 3_600_000L)))
        from width in Gen.Frequency((3, Gen.Long[Math.Max(1, retention / 64), Math.Max(1, retention / 64) + 5_000]), (1, Gen.Const(Math.Max(1_000, retention / 32))))
        from start in Gen.Frequency((3, Gen.Long[-1_000_000_000_000, 2_000_000_000_000]), (1, Gen.OneOf(0L, -1L, 1_767_225_600_000L)))
        select new Setup(retention, width, start);

    private static Gen<Op> OpFor(Setup setup)
    {
        var (r, w) = (setup.Retention, setup.Width);
        var hash = Gen.Frequency((3, Gen.ULong[0, 3]), (1, Gen.ULong));
        return Gen.Frequency(
            (6, Gen.Select(Gen.Int[0, Keys - 1], Gen.Long[-(2 * r) - (2 * w), r], hash, hash)
                .Select((k, d, s, e) => new Op(OpKind.Add, k, d, s, e, 0))),
            (4, Gen.Frequency((3, Gen.Long[-w, 2 * w]), (2, Gen.Long[0, r]), (1, Gen.Long[0, 3 * r]))
                .Select(d => new Op(OpKind.Advance, 0, d, 0, 0, 0))),
            (3, Gen.Select(Gen.Int[0, Keys - 1], Gen.Long[-1, 1], Gen.Int[0, 1])
                .Select((k, d, edge) => new Op(OpKind.AdvanceToEdge, k, d, 0, 0, edge))),
            (2, Gen.Select(Gen.Int[0, Keys + 4], hash, Gen.Int[0, 3])
                .Select((k, h, pick) => new Op(OpKind.Recognise, k, 0, h, 0, pick))),
            (1, Gen.Const(new Op(OpKind.SaveAndRestore, 0, 0, 0, 0, 0))));
    }

    private static readonly Gen<(Setup, Op[])> s_run =
        from setup in s_setup
        from ops in OpFor(setup).Array[0, 200]
        select (setup, ops);

    [Fact]
    public void Answers_as_a_dictionary_with_expiry_times_within_one_bucket_of_tolerance() =>
        s_run.Sample(run => Check(run.Item1, run.Item2), iter: 1_000);

    private static void Check(Setup setup, Op[] ops)
    {
        var calls = setup.Width == Math.Max(1_000, setup.Retention / 32)
            ? new MatchedCalls(TimeSpan.FromMilliseconds(setup.Retention))
            : new MatchedCalls(setup.Retention, setup.Width);
        var model = new MatchedCallsModel(setup.Retention, setup.Width);
        var adds = 0;
        foreach (var op in ops)
        {
            var now = model.Now == long.MinValue ? setup.Start : model.Now;
            switch (op.Kind)
            {
                case OpKind.Add:
                    var at = model.MatchedAtFor(op.Key, now + op.Delta);
                    calls.Add(Key(op.Key), op.Start, op.End, at);
                    model.Add(op.Key, op.Start, op.End, at);
                    adds++;
                    break;
                case OpKind.Advance:
                    calls.Advance(now + op.Delta);
                    model.Advance(now + op.Delta);
                    break;
                case OpKind.AdvanceToEdge when model.TryGetMatchedAt(op.Key, out var matchedAt):
                    // The two documented edges: the end of the guarantee, and the latest the call can stay.
                    var edge = matchedAt + setup.Retention + (op.Pick == 0 ? 0 : setup.Width - 1) + op.Delta;
                    calls.Advance(edge);
                    model.Advance(edge);
                    break;
                case OpKind.Recognise:
                    CheckRecognise(calls, model, op);
                    break;
                case OpKind.SaveAndRestore:
                    var stream = new MemoryStream();
                    calls.WriteTo(stream);
                    stream.Position = 0;
                    calls = MatchedCalls.ReadFrom(stream);
                    break;
                default:
                    break;
            }

            Assert.Equal(model.Now, calls.Now);
            CheckEveryKey(calls, model, adds);
        }
    }

    private static void CheckEveryKey(MatchedCalls calls, MatchedCallsModel model, int adds)
    {
        var mustBePresent = 0;
        for (int key = 0; key < Keys + 5; key++)
        {
            var expected = model.Expect(key);
            var found = calls.TryGet(Key(key), out var start, out var end);
            Assert.False(found && expected.MustBeGone, $"key {key} still present at {model.Now}");
            Assert.False(!found && expected.MustBePresent, $"key {key} gone early at {model.Now}");
            Assert.Equal(expected.PresentByBucket, found);
            if (found)
            {
                Assert.Equal((expected.Start, expected.End), (start, end));
            }

            mustBePresent += expected.MustBePresent ? 1 : 0;
        }

        Assert.InRange(calls.Count, mustBePresent, adds);
    }

    private static void CheckRecognise(MatchedCalls calls, MatchedCallsModel model, Op op)
    {
        var expected = model.Expect(op.Key);
        var side = op.Pick % 2 == 0 ? CallSide.Start : CallSide.End;
        var remembered = side == CallSide.Start ? expected.Start : expected.End;

        // Half the time the remembered hash itself (with different high bits), else whatever was generated.
        var hash = op.Pick < 2 ? remembered | (op.Start << 32) : op.Start;
        var verdict = !expected.PresentByBucket ? MatchedCallVerdict.Unknown
            : (uint)hash == remembered ? MatchedCallVerdict.Duplicate : MatchedCallVerdict.Conflict;
        Assert.Equal(verdict, calls.Recognise(Key(op.Key), side, hash));
    }
}
