using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Service.Pipeline;
using CallJoin.State;
using CallJoin.Testing;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>What a state checkpoint writes beside the FASTER checkpoint, and how a restart reads it back.</summary>
public sealed class StateCheckpointFilesTests : IDisposable
{
    private readonly string _directory = TempDirectory.Create("calljoin-checkpoint-files");

    public void Dispose() => TempDirectory.Delete(_directory);

    [Fact]
    public void The_matched_calls_are_saved_with_each_checkpoint_and_read_back_by_a_restart()
    {
        var matched = new MatchedCalls(TimeSpan.FromHours(1));
        var key = CallKey.From("p"u8, "c1"u8);
        matched.Add(key, 11, 22, 1_767_225_600_000);
        using (var store = new FasterPendingStore(new PendingStoreOptions { Directory = _directory, MemoryBudgetBytes = 4 << 20, IndexSizeBytes = 1 << 16 }))
        {
            var checkpoints = new StateCheckpoints(store, TimeSpan.FromSeconds(1), [], compactAboveBytes: long.MaxValue);
            checkpoints.Take(1_767_225_600_000, [0], matched);
        }

        var restored = StateCheckpoints.ReadMatchedCalls(_directory, out var problem);

        Assert.Null(problem);
        Assert.NotNull(restored);
        Assert.Equal(MatchedCallVerdict.Duplicate, restored.Recognise(key, CallSide.Start, 11));
        Assert.Equal(MatchedCallVerdict.Conflict, restored.Recognise(key, CallSide.End, 23));
    }

    [Fact]
    public void A_damaged_matched_calls_file_is_reported_and_left_out_rather_than_stopping_the_restart()
    {
        File.WriteAllBytes(Path.Combine(_directory, "calljoin-matched-calls"), [1, 2, 3]);

        var restored = StateCheckpoints.ReadMatchedCalls(_directory, out var problem);

        Assert.Null(restored);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Without_a_matched_calls_file_a_restart_starts_with_none_and_no_problem()
    {
        Assert.Null(StateCheckpoints.ReadMatchedCalls(_directory, out var problem));
        Assert.Null(problem);
    }
}
