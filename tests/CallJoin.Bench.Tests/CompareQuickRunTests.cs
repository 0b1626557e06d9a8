using System.Text.Json;
using CallJoin.Bench.Compare;

namespace CallJoin.Bench.Tests;

/// <summary>
/// The compare harness's quick run: every contender is in compare-quick.json for both variants with all its fields,
/// the report's Markdown and chart are written, and every contender ran and got the counts right.
/// </summary>
/// <remarks>No assertion on rates or durations: only that each figure is reported and each output count checked.</remarks>
public sealed class CompareQuickRunTests(ITestOutputHelper output)
{
    private static readonly string[] Fields =
        ["name", "variant", "records_per_s", "mb_per_s", "cpu_s_per_million", "peak_rss_mib", "p50_ms", "p99_ms", "correct", "note"];

    [Fact]
    public async Task Every_contender_is_reported_for_both_variants_and_every_one_that_ran_is_correct()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"calljoin-compare-test-{Guid.NewGuid():N}");
        try
        {
            var options = CompareOptions.QuickRun(Path.Combine(AppContext.BaseDirectory, "calljoin.dll")) with
            {
                ResultsDirectory = directory,
                Log = output.WriteLine,
            };

            var report = await CompareRun.RunAsync(options, TestContext.Current.CancellationToken);
            output.WriteLine(report.ToMarkdown(options.ResultsName));

            Assert.True(File.Exists(Path.Combine(directory, "compare-quick.md")));
            Assert.True(new FileInfo(Path.Combine(directory, "compare-quick.png")).Length > 0);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "compare-quick.json"), TestContext.Current.CancellationToken));
            Assert.Empty(json.RootElement.GetProperty("invalid").EnumerateArray());
            var rows = json.RootElement.GetProperty("contenders").EnumerateArray().ToList();
            foreach (var variant in new[] { "small", "default" })
            {
                foreach (var contender in CompareRun.Contenders)
                {
                    var row = Assert.Single(rows, r => r.GetProperty("name").GetString() == contender.Name && r.GetProperty("variant").GetString() == variant);
                    foreach (var field in Fields)
                    {
                        Assert.True(row.TryGetProperty(field, out _), $"{contender.Name} ({variant}) has no {field}");
                    }

                    var note = row.GetProperty("note").GetString();
                    Assert.True(row.GetProperty("ran").GetBoolean(), $"{contender.Name} ({variant}) did not run: {note}");
                    Assert.True(row.GetProperty("correct").GetBoolean(), $"{contender.Name} ({variant}): {note}");
                }
            }

            Assert.Equal(0, report.ExitCode);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
