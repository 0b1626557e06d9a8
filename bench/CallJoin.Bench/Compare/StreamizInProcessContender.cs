using CallJoin.Bench.Compare.Streamiz;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>streamiz/in-process</c>: the same Streamiz topology driven by its <c>TopologyTestDriver</c>, the workload's halves
/// piped in record-time order (<see cref="StreamizRun.InProcess"/>): the join and its RocksDB stores without a broker,
/// changelogs or consumer.
/// </summary>
/// <remarks>
/// In record-time order the default grace (5 min) loses nothing, so it must give exactly
/// <see cref="StreamizRun.ExpectedRows"/> for the workload. Timed from the first record piped to the last (driver set-up
/// and close left out); CPU and peak RSS are the harness's.
/// </remarks>
internal sealed class StreamizInProcessContender : ICompareContender
{
    public string Name => "streamiz/in-process";

    public Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct) => Task.Run(() => Run(data), ct);

    private ContenderResult Run(CompareData data)
    {
        var inOrder = data.Events.OrderBy(e => e.TimestampMillis).ToList();
        var expected = StreamizRun.ExpectedRows(inOrder);
        ProcStat.ResetOwnPeak();
        var result = StreamizRun.InProcess(inOrder);
        var peak = ProcStat.PeakResidentBytes(Environment.ProcessId);
        var correct = result.Rows == expected && result.Records == inOrder.Count && result.Notes.Count == 0;
        var note = $"{result.Rows:N0} rows of {expected:N0} (pairs at most 5 min apart), {result.Records:N0} of {inOrder.Count:N0} records, in record-time order";
        if (result.Notes.Count > 0)
        {
            note += "; " + string.Join("; ", result.Notes);
        }

        return ContenderResult.Measured(Name, data.Variant, result.Records, data.InputBytes, result.Elapsed.TotalSeconds, result.CpuSeconds, peak,
            correct, correct ? note : "MISMATCH " + note);
    }
}
