using System.Diagnostics;
using System.Text;

namespace CallJoin.Testing;

/// <summary>Runs the built <c>calljoin</c> CLI (copied into the test's output directory) as a child process.</summary>
public static class CalljoinProcess
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    /// <summary>Runs <c>calljoin ARGS</c> to its end; returns its exit code and its stdout and stderr.</summary>
    /// <remarks>The child gets none of this process's CALLJOIN_*, WF_* and MIGRATION_* variables: endpoints come by option.</remarks>
    public static Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args) =>
        RunAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs <c>calljoin ARGS</c> with <paramref name="environment"/> as its only CALLJOIN_*, WF_* and MIGRATION_* variables.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(args);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "calljoin.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("CALLJOIN", StringComparison.Ordinal)
            || k.StartsWith("WF_", StringComparison.Ordinal) || k.StartsWith("MIGRATION_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

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
