using System.Diagnostics;

namespace CallJoin.Bench.Compare;

/// <summary>Wall time, CPU and peak memory of work done inside the harness (its process holds the engines too).</summary>
internal sealed class InProcessMeter
{
    private readonly Stopwatch _clock;
    private readonly double _cpuAtStart;

    private InProcessMeter()
    {
        ProcStat.ResetOwnPeak();
        _cpuAtStart = ProcStat.SelfCpuSeconds();
        _clock = Stopwatch.StartNew();
    }

    /// <summary>Starts measuring now (and resets the harness's peak memory).</summary>
    public static InProcessMeter Start() => new();

    /// <summary>Seconds since the start.</summary>
    public double ElapsedSeconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Stops the clock and returns the result row for <paramref name="records"/> of <paramref name="bytes"/>.</summary>
    public ContenderResult Stop(string name, string variant, long records, long bytes, bool correct, string? note)
    {
        _clock.Stop();
        var cpu = ProcStat.SelfCpuSeconds() - _cpuAtStart;
        return ContenderResult.Measured(name, variant, records, bytes, _clock.Elapsed.TotalSeconds, cpu,
            ProcStat.PeakResidentBytes(Environment.ProcessId), correct, note);
    }
}
