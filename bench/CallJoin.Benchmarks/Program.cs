using BenchmarkDotNet.Running;
using CallJoin.Benchmarks;

if (args is ["pending-memory", ..])
{
    PendingStoreMemoryReport.Run(Console.Out);
    return 0;
}

if (args is ["restore-timing", .. var counts])
{
    RestoreTimingReport.Run(counts.Length > 0 ? int.Parse(counts[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000, Console.Out);
    return 0;
}

if (args is ["allocation-check", .. var rest])
{
    return AllocationCheck.Run(rest, Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
