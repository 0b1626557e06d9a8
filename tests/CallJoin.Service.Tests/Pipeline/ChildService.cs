using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary><c>calljoin run</c> as a child process, configured by environment variables like a pod, its output kept.</summary>
internal sealed class ChildService : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ChildService(Process process) => _process = process;

    /// <summary>Everything the process wrote to stdout and stderr so far, one line per entry.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts a service on the harness's topics and database; <paramref name="environment"/> adds or overrides variables.</summary>
    public static ChildService Start(ServiceHarness harness, string stateDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = harness.Settings(stateDirectory: stateDirectory);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "calljoin.dll"), "run" })
        {
            start.ArgumentList.Add(arg);
        }

        var env = start.Environment;
        env["CALLJOIN_KAFKA_BOOTSTRAP"] = settings.Ingest.BootstrapServers;
        env["CALLJOIN_CLICKHOUSE"] = settings.ClickHouse.ConnectionString;
        env["WF_CLICKHOUSE_DATABASE"] = settings.ClickHouse.Database;
        env["CALLJOIN__KAFKA__OWNERSHIP"] = "static";
        env["CALLJOIN__KAFKA__GROUPID"] = settings.Ingest.GroupId;
        env["CALLJOIN__KAFKA__STARTTOPIC"] = settings.Ingest.StartTopic;
        env["CALLJOIN__KAFKA__ENDTOPIC"] = settings.Ingest.EndTopic;
        env["CALLJOIN__STATE__DIRECTORY"] = settings.State!.Directory;
        env["CALLJOIN__STATE__MEMORYBUDGETMIB"] = "4";
        env["CALLJOIN__STATE__CHECKPOINTINTERVAL"] = "0.5";
        env["CALLJOIN__HTTP__PORT"] = "0";
        env["CALLJOIN__JOIN__IDLEADVANCEAFTER"] = "0.5";
        env["WF_CALL_COMPLETION_WORKER_BATCH_TIMEOUT"] = "0.2";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        var process = Process.Start(start)!;
        var child = new ChildService(process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);   // SIGKILL
        _process.WaitForExit();
    }

    /// <summary>Waits up to <paramref name="bound"/> for the child to exit on its own (its output read to the end); false if it did not.</summary>
    public bool WaitForExit(TimeSpan bound)
    {
        if (!_process.WaitForExit(bound))
        {
            return false;
        }

        _process.WaitForExit();   // drains the output readers
        return true;
    }

    /// <summary>0 while running; the exit code if the child stopped on its own (it should not).</summary>
    public int ExitCodeIfExited() => _process.HasExited ? _process.ExitCode : 0;

    /// <summary>Sends SIGTERM and waits for a graceful stop (SIGKILL after 30 s); returns the exit code.</summary>
    public int Stop()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                term.WaitForExit();
            }

            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                Kill();
            }
        }

        _process.WaitForExit();   // drains the output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Stop();
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
