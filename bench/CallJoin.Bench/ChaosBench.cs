using CallJoin.Chaos;

namespace CallJoin.Bench;

/// <summary><c>calljoin-bench chaos</c>: the chaos harness (<see cref="ChaosRun"/>) in full or short mode, its report in bench/results.</summary>
internal static class ChaosBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var serviceDll = Path.Combine(AppContext.BaseDirectory, "calljoin.dll");
        var quick = args.Contains("--short");
        var preset = quick ? ChaosOptions.ShortRun(serviceDll) : ChaosOptions.FullRun(serviceDll);
        var options = preset with
        {
            Calls = BenchArgs.Int(args, "--calls", preset.Calls),
            Seed = BenchArgs.Int(args, "--seed", preset.Seed),
            Partitions = BenchArgs.Int(args, "--partitions", preset.Partitions),
            Kills = BenchArgs.Int(args, "--kills", preset.Kills),
            ResultsDirectory = BenchArgs.String(args, "--out") ?? "bench/results",
            ResultsName = quick ? "chaos-short" : "chaos",
            Log = Console.WriteLine,
        };

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        ChaosReport report;
        try
        {
            report = await ChaosRun.RunAsync(options, stop.Token).ConfigureAwait(false);
        }
        catch (ChaosException ex)
        {
            await Console.Error.WriteLineAsync("chaos: " + ex.Message).ConfigureAwait(false);
            return 4;
        }

        Console.WriteLine();
        Console.WriteLine(report.ToMarkdown());
        Console.WriteLine($"chaos: report in {Path.Combine(options.ResultsDirectory, options.ResultsName)}.md and .json");
        return report.ExitCode;
    }
}
