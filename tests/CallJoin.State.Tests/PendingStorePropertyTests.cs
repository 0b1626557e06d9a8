using System.Buffers;
using CallJoin.Core.State;
using CsCheck;

namespace CallJoin.State.Tests;

public sealed class PendingStorePropertyTests
{
    private const int KeySpace = 48;

    private static readonly Gen<Step> GenStep = Gen.Frequency(
        (40, Gen.Select(Gen.Int[0, KeySpace - 1], GenLength(), Gen.Byte, (k, l, s) => new Step(StepKind.Write, k, l, s))),
        (15, Gen.Select(Gen.Int[0, KeySpace - 1], GenLength(), Gen.Byte, (k, l, s) => new Step(StepKind.Append, k, l, s))),
        (20, Gen.Select(Gen.Int[0, KeySpace - 1], k => new Step(StepKind.Delete, k, 0, 0))),
        (10, Gen.Select(Gen.Int[0, KeySpace - 1], k => new Step(StepKind.Keep, k, 0, 0))),
        (12, Gen.Select(Gen.Int[0, KeySpace - 1], GenLength(), Gen.Byte, (k, l, s) => new Step(StepKind.Match, k, l, s))),
        (1, Gen.Const(new Step(StepKind.Compact, 0, 0, 0))));

    private enum StepKind
    {
        Write,
        Append,
        Delete,
        Keep,
        Match,
        Compact,
    }

    [Fact]
    public void Faster_store_behaves_like_the_dictionary_while_records_spill()
    {
        var samples = 0;
        var spilled = 0;
        GenStep.Array[1, 250].Sample(
            steps =>
            {
                using var faster = new StoreUnderTest(StoreKind.Faster, memoryBudgetBytes: PendingStoreOptions.MinMemoryBudgetBytes);
                using var model = new InMemoryPendingStore();
                foreach (var step in steps)
                {
                    if (step.Kind == StepKind.Compact)
                    {
                        faster.Faster.Compact();
                        continue;
                    }

                    var key = TestValues.Key(step.Key);
                    var expected = new StepMerge(step);
                    var actual = new StepMerge(step);
                    var expectedAction = model.ReadModifyWrite(key, ref expected);
                    var actualAction = faster.Store.ReadModifyWrite(key, ref actual);

                    Assert.Equal(expectedAction, actualAction);
                    Assert.Equal(1, actual.Calls);
                    Assert.Equal(expected.SawExists, actual.SawExists);
                    Assert.Equal(expected.SawCurrent, actual.SawCurrent);
                }

                for (var k = 0; k < KeySpace; k++)
                {
                    Assert.Equal(TestValues.Read(model, TestValues.Key(k)), TestValues.Read(faster.Store, TestValues.Key(k)));
                }

                Assert.Equal(model.Stats.Entries, faster.Store.Stats.Entries);
                Assert.Equal(model.Stats.ValueBytes, faster.Store.Stats.ValueBytes);
                samples++;
                spilled += faster.Store.Stats.DiskBytes > 0 ? 1 : 0;
            },
            iter: 60,
            threads: 1);

        // The comparison is only worth something if records were read back from disk.
        Assert.True(spilled * 2 > samples, $"{spilled} of {samples} samples spilled");
    }

    // Lengths cluster on a few values so that same-length (in-place) replacements happen, and stay under the
    // 4,068-byte value limit of the tiny budget's 4 KiB pages.
    private static Gen<int> GenLength() => Gen.Frequency(
        (3, Gen.Int[0, 3000]),
        (2, Gen.OneOf(0, 1, 16, 300)));

    private readonly record struct Step(StepKind Kind, int Key, int Length, byte Seed);

    /// <summary>Decides from the step and the current value; records what it saw so two stores can be compared.</summary>
    private struct StepMerge(Step step) : IPendingMerge
    {
        public int Calls { get; private set; }

        public bool SawExists { get; private set; }

        public byte[]? SawCurrent { get; private set; }

        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            Calls++;
            SawExists = exists;
            SawCurrent = exists ? current.ToArray() : null;
            switch (step.Kind)
            {
                case StepKind.Write:
                    Fill(next, step.Length, step.Seed);
                    return PendingAction.Write;
                case StepKind.Append:
                    // Grows the current value (keeping its bytes) up to the largest value a record holds.
                    var keep = Math.Min(current.Length, 4000);
                    next.Write(current[..keep]);
                    Fill(next, Math.Min(step.Length, 4000 - keep), step.Seed);
                    return PendingAction.Write;
                case StepKind.Delete:
                    return PendingAction.Delete;
                case StepKind.Match:
                    // The join's pattern: delete the waiting half if there is one, else leave this one waiting.
                    if (exists)
                    {
                        return PendingAction.Delete;
                    }

                    Fill(next, step.Length, step.Seed);
                    return PendingAction.Write;
                default:
                    next.Write<byte>([0xFF]);
                    return PendingAction.Keep;
            }
        }

        private static void Fill(IBufferWriter<byte> next, int length, byte seed)
        {
            var span = next.GetSpan(length)[..length];
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (byte)(seed + (i * 7));
            }

            next.Advance(length);
        }
    }
}
