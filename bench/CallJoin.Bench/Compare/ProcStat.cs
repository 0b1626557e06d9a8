using System.Globalization;

namespace CallJoin.Bench.Compare;

/// <summary>CPU time and peak resident memory of a process, read from <c>/proc</c> (Linux).</summary>
/// <remarks>
/// CPU of a child that has exited cannot be read from its own entry any more; the harness's <c>cutime</c> and
/// <c>cstime</c> (CPU of its children that were waited for) grow by exactly the child's CPU when it is reaped, so a
/// delta across the child's life gives it (contenders never overlap).
/// </remarks>
internal static class ProcStat
{
    private const double TicksPerSecond = 100;   // USER_HZ, 100 on every Linux this runs on

    /// <summary>User + system CPU seconds of <paramref name="pid"/>; null when it is gone.</summary>
    public static double? CpuSeconds(int pid) => Fields(pid) is { } f ? (Tick(f, 11) + Tick(f, 12)) / TicksPerSecond : null;

    /// <summary>User + system CPU seconds of this process's children that have exited and been waited for.</summary>
    public static double ReapedChildrenCpuSeconds() =>
        Fields(Environment.ProcessId) is { } f ? (Tick(f, 13) + Tick(f, 14)) / TicksPerSecond : 0;

    /// <summary>CPU seconds of this process so far.</summary>
    public static double SelfCpuSeconds()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The high-water mark of resident memory (VmHWM) in bytes; null when the process is gone.</summary>
    public static long? PeakResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone.
        }

        return null;
    }

    /// <summary>Resets this process's VmHWM to its current resident size, so the next reading is the peak from now on.</summary>
    public static void ResetOwnPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An older kernel: the peak then covers the harness's whole life so far.
        }
    }

    /// <summary>The fields after the command name: index 0 is field 3 (state) of proc(5).</summary>
    private static string[]? Fields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Tick(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
}
