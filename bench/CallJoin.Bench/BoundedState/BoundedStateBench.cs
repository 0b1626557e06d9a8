using System.Globalization;
using System.Text;
using CallJoin.Core.Join;

namespace CallJoin.Bench.BoundedState;

/// <summary>
/// <c>calljoin-bench bounded-state</c>: how far committed offsets trail reading over an hour of production-like traffic
/// (compressed time), with lookups and with retained state side by side, and how long a real service restart takes with
/// a million open halves in its state (graceful, after kill -9, and on a lost volume). Writes a markdown report.
/// </summary>
internal static class BoundedStateBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var part = BenchArgs.String(args, "--part") ?? "all";
        var folder = BenchArgs.String(args, "--out") ?? "bench/results";
        if (part is "all" or "trail")
        {
            var callsPerSecond = BenchArgs.Int(args, "--calls-per-second", 50_000);
            var lookup = Trail(new TrailOptions
            {
                CallsPerSecond = callsPerSecond,
                Duration = TimeSpan.FromMinutes(BenchArgs.Int(args, "--minutes", 60)),
                Mode = LatePartnerSource.Lookup,
            });
            var retained = Trail(new TrailOptions
            {
                CallsPerSecond = callsPerSecond,
                Duration = TimeSpan.FromMinutes(BenchArgs.Int(args, "--retained-minutes", 10)),
                Mode = LatePartnerSource.RetainedState,
            });
            var report = Header("trail");
            TrailReport.Write(report, lookup, retained);
            await WriteAsync(Path.Combine(folder, "bounded-state-trail.md"), report).ConfigureAwait(false);
        }

        if (part is "all" or "restart")
        {
            var restart = await RestartMeasurement.RunAsync(BenchArgs.Int(args, "--open-halves", 1_000_000), Console.WriteLine).ConfigureAwait(false);
            var report = Header("restart");
            RestartMeasurement.Write(report, restart);
            await WriteAsync(Path.Combine(folder, "bounded-state-restart.md"), report).ConfigureAwait(false);
        }

        return 0;
    }

    private static StringBuilder Header(string part)
    {
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# Bounded state: {part} — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Run: `dotnet run --project bench/CallJoin.Bench -c Release -- bounded-state --part {part}`.");
        report.AppendLine();
        return report;
    }

    private static async Task WriteAsync(string path, StringBuilder report)
    {
        await File.WriteAllTextAsync(path, report.ToString()).ConfigureAwait(false);
        Console.WriteLine(report);
    }

    private static TrailResult Trail(TrailOptions options)
    {
        Console.WriteLine($"trail: {options.CallsPerSecond:N0} calls/s for {options.Duration.TotalMinutes:F0} min, {options.Mode}");
        var result = new TrailSimulation(options).Run(line => Console.WriteLine($"trail {options.Mode}: {line}"));
        Console.WriteLine($"trail {options.Mode}: {result.Messages:N0} messages in {result.Elapsed.TotalSeconds:F0} s ({result.Cpu.TotalSeconds:F0} s CPU)");
        return result;
    }
}
