using System.Text.Json;
using CallJoin.Testing;

namespace CallJoin.Migration.Tests.Validation;

/// <summary><c>calljoin validate</c> as an operator runs it: exit codes, console summary, report files in both formats.</summary>
public sealed class ValidateCommandTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private readonly TempReportDirectory _reports = new();
    private MigrationDataset? _data;

    private MigrationDataset Data => _data ?? throw new InvalidOperationException("not initialized");

    public async ValueTask InitializeAsync() => _data = await MigrationDataset.CreateAsync(clickHouse);

    public ValueTask DisposeAsync()
    {
        _data?.Dispose();
        _reports.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Consistent_data_exits_0_and_writes_a_markdown_and_a_json_report()
    {
        var markdown = Path.Combine(_reports.Path, "report.md");
        var json = Path.Combine(_reports.Path, "report.json");

        var md = await ValidateAsync("--report", markdown, "--format", "md");
        var js = await ValidateAsync("--report", json, "--sample", "0"); // format from the extension

        Assert.True(md.ExitCode == 0, md.Output + md.Errors);
        Assert.True(js.ExitCode == 0, js.Output + js.Errors);
        Assert.Contains("validate: CONSISTENT", md.Output, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(markdown, TestContext.Current.CancellationToken);
        Assert.StartsWith("# calljoin validate", text, StringComparison.Ordinal);
        Assert.Contains("verdict: **consistent**", text, StringComparison.Ordinal);
        Assert.Contains("| 2026-01-02 |", text, StringComparison.Ordinal);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        var root = report.RootElement;
        Assert.Equal("consistent", root.GetProperty("status").GetString());
        Assert.Equal(Data.Workload.Expected.CallsInTable, root.GetProperty("totals").GetProperty("calls_compared").GetInt64());
        Assert.Equal(0, root.GetProperty("mismatches").GetArrayLength());
        Assert.All(root.GetProperty("verdicts").EnumerateArray(), v => Assert.Equal("consistent", v.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_tampered_call_exits_1_and_both_reports_name_its_id_and_field()
    {
        var (project, id, _) = await Data.CompleteCallAsync();
        await Data.SupersedeAsync(id, "output_dump", "'\"tampered\"'");
        var markdown = Path.Combine(_reports.Path, "mismatch.md");
        var json = Path.Combine(_reports.Path, "mismatch.out");

        var md = await ValidateAsync("--sample", "0", "--report", markdown);
        var js = await ValidateAsync("--sample", "0", "--report", json, "--format", "json");

        Assert.True(md.ExitCode == 1, md.Output + md.Errors);
        Assert.Equal(1, js.ExitCode);
        Assert.Contains($"{project} {id}: fields differ: output_dump", md.Output, StringComparison.Ordinal);
        Assert.Contains("validate: MISMATCH in 1 of", md.Output, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(markdown, TestContext.Current.CancellationToken);
        Assert.Contains($"`{id}`: fields differ: output_dump", text, StringComparison.Ordinal);
        Assert.Contains("calls_complete `\"tampered\"`", text, StringComparison.Ordinal);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        Assert.Equal("mismatch", report.RootElement.GetProperty("status").GetString());
        var listed = Assert.Single(report.RootElement.GetProperty("mismatches").EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetString());
        Assert.Equal(project, listed.GetProperty("project_id").GetString());
        Assert.Equal("fields_differ", listed.GetProperty("kind").GetString());
        var field = Assert.Single(listed.GetProperty("fields").EnumerateArray());
        Assert.Equal("output_dump", field.GetProperty("field").GetString());
        Assert.Equal("\"tampered\"", field.GetProperty("complete").GetString());
    }

    [Fact]
    public async Task A_project_filter_reaches_the_validator_and_a_clean_project_exits_0()
    {
        var (tampered, id, _) = await Data.CompleteCallAsync();
        await Data.SupersedeAsync(id, "display_name", "'renamed'");
        var (clean, _, _) = await Data.CompleteCallAsync(notInProject: tampered);

        var ok = await ValidateAsync("--sample", "0", "--project", clean);
        var bad = await ValidateAsync("--sample", "0", "--project", tampered, "--no-verdicts");

        Assert.True(ok.ExitCode == 0, ok.Output + ok.Errors);
        Assert.Contains($"project '{clean}'", ok.Output, StringComparison.Ordinal);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("display_name", bad.Output, StringComparison.Ordinal);
        var stored = await Data.VerdictsAsync();
        Assert.All(stored, s => Assert.Equal((clean, "consistent"), (s.Key.Project, s.Value))); // --no-verdicts wrote nothing
    }

    [Theory]
    [InlineData("--to", "2026-01-05")]
    [InlineData("--from", "2026-01-05", "--to", "2026-01-01")]
    [InlineData("--from", "01/01/2026", "--to", "2026-01-02")]
    [InlineData("--from", "2026-01-01", "--to", "2026-01-02", "--format", "html")]
    [InlineData("--from", "2026-01-01", "--to", "2026-01-02", "--sample", "-1")]
    [InlineData("--from", "2026-01-01", "--to", "2026-01-02", "--bogus", "1")]
    public async Task Usage_errors_exit_2_with_one_line(params string[] args)
    {
        var result = await CalljoinProcess.RunAsync(["validate", "--clickhouse", Data.ConnectionString, "--database", Data.Database, .. args]);

        Assert.True(result.ExitCode == 2, result.Output + result.Errors);
        Assert.StartsWith("calljoin validate: ", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_clickhouse_exits_3_without_a_verdict()
    {
        var result = await CalljoinProcess.RunAsync(
            "validate", "--clickhouse", "Host=127.0.0.1;Port=1;Protocol=http", "--from", "2026-01-01", "--to", "2026-01-01");

        Assert.True(result.ExitCode == 3, result.Output + result.Errors);
        Assert.Contains("ClickHouse could not be queried", result.Errors, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output, string Errors)> ValidateAsync(params string[] args) =>
        CalljoinProcess.RunAsync([
            "validate", "--clickhouse", Data.ConnectionString, "--database", Data.Database,
            "--from", "2025-12-31", "--to", "2026-01-05", .. args]);
}
