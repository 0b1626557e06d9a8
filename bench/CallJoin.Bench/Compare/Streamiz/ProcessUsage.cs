using System.Diagnostics;

namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>The process's CPU time and peak resident set, read around a run.</summary>
internal static class ProcessUsage
{
    /// <summary>CPU time used by the process so far, all threads.</summary>
    public static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>The peak resident set (VmHWM in /proc/self/status), in bytes; 0 where it cannot be read.</summary>
    public static long PeakRssBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.TryParse(kb, out var value) ? value * 1024 : 0;
            }
        }

        return 0;
    }
}
