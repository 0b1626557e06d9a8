using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CallJoin.Benchmarks;

/// <summary>
/// <c>allocation-check</c>: runs the <see cref="Categories.ZeroAllocation"/> benchmarks (short job) and fails when any
/// allocates. This is where "no allocation per message" is measured: BenchmarkDotNet warms up past JIT tiering and
/// divides by many operations, where a one-shot check inside a unit test counts whatever tier-0 code allocated.
/// </summary>
internal static class AllocationCheck
{
    public static int Run(string[] args, TextWriter output)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))   // no per-run project build; allocation is measured the same
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddFilter(new AllCategoriesFilter([Categories.ZeroAllocation]))
            .WithOptions(ConfigOptions.JoinSummary);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(AllocationCheck).Assembly).Run(args, config);
        var reports = summaries.SelectMany(s => s.Reports).ToList();
        var failed = 0;
        foreach (var report in reports)
        {
            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            var ok = report.Success && bytes == 0;
            failed += ok ? 0 : 1;
            output.WriteLine($"allocation-check: {(ok ? "ok  " : "FAIL")} {report.BenchmarkCase.Descriptor.DisplayInfo}: {(report.Success ? $"{bytes} B/op" : "did not run")}");
        }

        if (reports.Count == 0)
        {
            output.WriteLine("allocation-check: FAIL no benchmark ran");
            return 1;
        }

        return failed == 0 ? 0 : 1;
    }
}
