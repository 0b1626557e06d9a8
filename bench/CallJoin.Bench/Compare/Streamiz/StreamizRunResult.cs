namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>What one Streamiz run did and what it cost the process.</summary>
/// <param name="Records">Input records the topology processed (starts plus ends).</param>
/// <param name="Rows">Joined rows it produced.</param>
/// <param name="Elapsed">Wall time: in process, piping every record through; on a broker, from the first record in to the last row out.</param>
/// <param name="CpuSeconds">CPU time the whole process used, all threads: in process over <paramref name="Elapsed"/>; on a broker over the
/// whole run, group join and shutdown included.</param>
/// <param name="PeakRssBytes">The process's peak resident set (VmHWM) at the end of the run; 0 where /proc is missing.</param>
/// <param name="Notes">Exceptions and anything else the reader of a figure should know; empty when the run was clean.</param>
public sealed record StreamizRunResult(long Records, long Rows, TimeSpan Elapsed, double CpuSeconds, long PeakRssBytes, IReadOnlyList<string> Notes)
{
    /// <summary>Input records per wall-clock second.</summary>
    public double RecordsPerSecond => Elapsed > TimeSpan.Zero ? Records / Elapsed.TotalSeconds : 0;
}
