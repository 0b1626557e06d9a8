namespace CallJoin.Bench.Compare;

/// <summary><c>calljoin-bench compare</c>: every contender side by side (<see cref="CompareRun"/>), its report in bench/results.</summary>
internal static class CompareBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var serviceDll = Path.Combine(AppContext.BaseDirectory, "calljoin.dll");
        var preset = args.Contains("--quick") ? CompareOptions.QuickRun(serviceDll) : CompareOptions.FullRun(serviceDll);
        var options = preset with
        {
            ResultsDirectory = BenchArgs.String(args, "--out") ?? "bench/results",
            Log = Console.WriteLine,
            SmallCalls = BenchArgs.Int(args, "--small-calls", preset.SmallCalls),
            DefaultCalls = BenchArgs.Int(args, "--default-calls", preset.DefaultCalls),
            Only = Names(BenchArgs.String(args, "--only")),
            Variants = Names(BenchArgs.String(args, "--variant")),
        };
        if (options.Only is { } only && only.FirstOrDefault(n => CompareRun.Contenders.All(c => c.Name != n)) is { } unknown)
        {
            Console.Error.WriteLine($"compare: no contender is named {unknown}; the names: {string.Join(", ", CompareRun.Contenders.Select(c => c.Name))}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        var report = await CompareRun.RunAsync(options, stop.Token);
        Console.WriteLine();
        Console.WriteLine(report.ToMarkdown(options.ResultsName));
        Console.WriteLine($"compare: report in {Path.Combine(options.ResultsDirectory, options.ResultsName)}.md, .json and .png");
        return report.ExitCode;
    }

    private static HashSet<string>? Names(string? list) =>
        list is null ? null : new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
}
