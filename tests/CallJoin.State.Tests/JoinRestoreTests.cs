using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Core.Tests.Join;
using CallJoin.State;
using CsCheck;

namespace CallJoin.State.Tests;

/// <summary>
/// A join stopped at a checkpoint and resumed from it — store reopened, timers restored — writes exactly what an
/// uninterrupted join writes over the same stream.
/// </summary>
public sealed class JoinRestoreTests
{
    [Fact]
    public void A_join_resumed_from_a_checkpoint_writes_what_an_uninterrupted_join_writes() =>
        Gen.Select(Gen.Int, Gen.Double[0, 1]).Sample((seed, cut) =>
        {
            var events = JoinScenario.Generate(seed, maxCalls: 400);
            var split = (int)(cut * events.Count);
            var (_, uninterrupted) = JoinModelCheck.Run(events, JoinScenario.Options);

            using var directory = new TestDirectory();
            var options = new PendingStoreOptions { Directory = directory.Path, MemoryBudgetBytes = PendingStoreOptions.MinMemoryBudgetBytes, IndexSizeBytes = 64 * 1024 };
            var output = new RecordingOutput();
            long streamTime;
            using var matched = new MemoryStream();
            using (var store = new FasterPendingStore(options))
            {
                var before = new JoinEngine<RecordingOutput>(store, JoinScenario.Options, output);
                foreach (var e in events.Take(split))
                {
                    before.Process(e.Side, e.Payload, e.Position, e.Timestamp);
                }

                store.Checkpoint();
                before.Matched.WriteTo(matched);   // the matched calls are saved beside the store's checkpoint
                streamTime = before.Now;
            }

            using (var store = new FasterPendingStore(options with { RecoverLatest = true }))
            {
                matched.Position = 0;
                var after = new JoinEngine<RecordingOutput>(store, JoinScenario.Options, output, matched: MatchedCalls.ReadFrom(matched));
                after.RestoreTimers(streamTime);
                foreach (var e in events.Skip(split))
                {
                    after.Process(e.Side, e.Payload, e.Position, e.Timestamp);
                }

                after.Drain();
                Assert.Equal(0, after.State.Entries);
                Assert.Equal(0, after.PendingTimers);
            }

            Assert.Equal(Sorted(uninterrupted.Results), Sorted(output.Results));
            Assert.Equal(Sorted(uninterrupted.Released), Sorted(output.Released));
        }, iter: 20);

    private static List<string> Sorted<T>(List<T> items) => items.Select(i => i!.ToString()!).Order(StringComparer.Ordinal).ToList();
}
