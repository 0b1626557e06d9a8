using System.Collections.Concurrent;
using System.Diagnostics;

namespace CallJoin.Migration.Tests.Backfill;

/// <summary><c>calljoin backfill</c> as a child process (the built CLI next to the tests), configured by environment like a job.</summary>
internal sealed class BackfillProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private BackfillProcess(Process process) => _process = process;

    /// <summary>Its stdout and stderr lines so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    public bool HasExited => _process.HasExited;

    public static BackfillProcess Start(string connectionString, string database, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "calljoin.dll"), "backfill" }.Concat(arguments))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CALLJOIN_CLICKHOUSE"] = connectionString;
        start.Environment["WF_CLICKHOUSE_DATABASE"] = database;
        start.Environment.Remove("MIGRATION_CUTOFF_DATE");
        var process = Process.Start(start)!;
        var child = new BackfillProcess(process);
        process.OutputDataReceived += (_, line) => child.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => child.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the exit; its code, or fails the test after <paramref name="bound"/>.</summary>
    public int WaitForExit(TimeSpan bound)
    {
        if (!_process.WaitForExit(bound))
        {
            Kill();
            Assert.Fail($"calljoin backfill did not finish within {bound}; output:\n{string.Join('\n', _output)}");
        }

        _process.WaitForExit(); // and its output is read to the end
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no cleanup, no last progress row.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
