using System.Diagnostics;

namespace CallJoin.Host.Tests;

/// <summary><c>calljoin-service</c> as a process: its help, usage errors and configuration errors, as <c>calljoin run</c> reports them.</summary>
public sealed class ServiceCommandLineTests : IDisposable
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(60);

    // An empty working directory: no appsettings.json is read from wherever the tests run.
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("calljoin-service-").FullName;

    [Fact]
    public void Help_prints_the_usage_and_the_service_description_and_exits_0()
    {
        var (exitCode, output, _) = Run(["--help"]);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("usage: calljoin-service [--config FILE]", output, StringComparison.Ordinal);
        Assert.Contains("Runs the service: consumes weave.call_started and weave.call_ended", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_argument_is_a_usage_error_with_exit_code_2()
    {
        var (exitCode, _, errors) = Run(["run"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("calljoin-service: unknown argument 'run'", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_configuration_is_reported_naming_the_key_with_exit_code_2()
    {
        var (exitCode, _, errors) = Run([], new Dictionary<string, string> { ["CALLJOIN__STATE__STORE"] = "papyrus" });

        Assert.Equal(2, exitCode);
        Assert.StartsWith("calljoin-service: Invalid configuration:", errors, StringComparison.Ordinal);
        Assert.Contains("CallJoin:State:Store must be 'faster' or 'memory', got 'papyrus'.", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_file_is_one_line_and_exit_code_1()
    {
        var missing = Path.Combine(_workDirectory, "absent.json");
        var (exitCode, _, errors) = Run(["--config", missing]);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("calljoin-service: ", errors, StringComparison.Ordinal);
        Assert.Contains("absent.json", errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_workDirectory, recursive: true);

    private (int ExitCode, string Output, string Errors) Run(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _workDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "calljoin-service.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExit(ExitBound);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.True(exited, $"calljoin-service {string.Join(' ', args)} did not exit within {ExitBound.TotalSeconds} s");
        return (process.ExitCode, output.Result, errors.Result);
    }
}
