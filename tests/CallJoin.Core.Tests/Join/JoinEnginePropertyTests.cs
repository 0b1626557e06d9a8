using CallJoin.Core.Join;
using CsCheck;

namespace CallJoin.Core.Tests.Join;

/// <summary>The engine against the plain reference model of the rules, over generated interleavings.</summary>
public sealed class JoinEnginePropertyTests
{
    [Fact]
    public void Engine_matches_the_reference_model_on_generated_streams() =>
        Gen.Int.Sample(seed => JoinModelCheck.AssertSameAsModel(JoinScenario.Generate(seed), JoinScenario.Options), iter: 400);

    [Fact]
    public void Engine_matches_the_reference_model_when_matched_calls_are_not_remembered() =>
        Gen.Int.Sample(seed => JoinModelCheck.AssertSameAsModel(JoinScenario.Generate(seed), JoinScenario.Options with { CompletedRetention = TimeSpan.Zero }), iter: 200);

    [Fact]
    public void The_same_stream_gives_the_same_output_in_the_same_order() =>
        Gen.Int.Sample(seed =>
        {
            var events = JoinScenario.Generate(seed);
            Assert.Equal(JoinModelCheck.Run(events, JoinScenario.Options).Output.Results, JoinModelCheck.Run(events, JoinScenario.Options).Output.Results);
        }, iter: 100);

    [Fact]
    public void The_generated_streams_exercise_every_rule()
    {
        var sums = new Dictionary<string, long>();
        for (var seed = 0; seed < 300; seed++)
        {
            var model = new JoinReferenceModel(JoinScenario.Options);
            JoinScenario.Generate(seed).ForEach(model.Process);
            model.Drain();
            foreach (var p in typeof(JoinCounters).GetProperties())
            {
                sums[p.Name] = sums.GetValueOrDefault(p.Name) + (long)p.GetValue(model.Counters)!;
            }
        }

        foreach (var rule in new[] { "Matched", "LateMatched", "RunningRows", "StartMissing", "Duplicates", "Conflicts", "Malformed", "ExpiredStarts", "ExpiredEnds" })
        {
            Assert.True(sums[rule] > 0, $"no {rule} in 300 generated streams");
        }
    }
}
