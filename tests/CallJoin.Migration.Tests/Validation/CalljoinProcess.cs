using System.Diagnostics;
using System.Text;

namespace CallJoin.Migration.Tests.Validation;

/// <summary>Runs the built <c>calljoin</c> CLI (copied into this output directory) as a child process.</summary>
internal static class CalljoinProcess
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    /// <summary>Runs <c>calljoin ARGS</c> to its end; returns its exit code and its stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "calljoin.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test's endpoint comes by --clickhouse; nothing from the environment should redirect it.
        start.Environment.Remove("CALLJOIN_CLICKHOUSE");
        start.Environment.Remove("WF_CLICKHOUSE_DATABASE");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = new StringBuilder();
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (errors) { errors.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(SafetyNet);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"calljoin {string.Join(' ', args)} did not exit within {SafetyNet}; output so far:\n{output}\n{errors}");
        }

        lock (output)
        {
            lock (errors)
            {
                return (process.ExitCode, output.ToString(), errors.ToString());
            }
        }
    }
}
