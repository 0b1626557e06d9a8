using System.Diagnostics;
using System.Globalization;

namespace CallJoin.Bench.Compare;

/// <summary>
/// One <c>dotnet calljoin.dll …</c> child, its output in a log file, with its CPU and peak memory sampled from
/// <c>/proc</c> while it runs and its total CPU taken when it is reaped (<see cref="ProcStat"/>).
/// </summary>
/// <remarks>Driven by one contender at a time; not thread-safe except <see cref="Sample"/>, which a sampler may call.</remarks>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly double _reapedCpuAtStart;
    private readonly Lock _gate = new();
    private long _peakBytes;
    private double _cpuSeconds;

    private ChildProcess(Process process, StreamWriter log, string logPath, double reapedCpuAtStart)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
        _reapedCpuAtStart = reapedCpuAtStart;
    }

    /// <summary>The file its standard output and error go to.</summary>
    public string LogPath { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The highest VmHWM seen, bytes.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c> with <paramref name="environment"/> added.</summary>
    public static ChildProcess Start(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var reaped = ProcStat.ReapedChildrenCpuSeconds();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start dotnet {dll}");
        var child = new ChildProcess(process, log, logPath, reaped);
        process.OutputDataReceived += (_, e) => child.Write(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Reads its CPU seconds and VmHWM now; returns the CPU seconds (the last reading once it is gone).</summary>
    public double Sample()
    {
        if (ProcStat.PeakResidentBytes(_process.Id) is { } peak)
        {
            lock (_gate)
            {
                _peakBytes = Math.Max(_peakBytes, peak);
            }
        }

        if (ProcStat.CpuSeconds(_process.Id) is { } cpu)
        {
            lock (_gate)
            {
                _cpuSeconds = Math.Max(_cpuSeconds, cpu);
            }
        }

        lock (_gate)
        {
            return _cpuSeconds;
        }
    }

    /// <summary>Samples every 100 ms until it exits (or <paramref name="ct"/>), then returns its exit code and total CPU seconds.</summary>
    public async Task<(int ExitCode, double CpuSeconds)> WaitForExitAsync(CancellationToken ct)
    {
        while (!_process.HasExited)
        {
            Sample();
            try
            {
                await _process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMilliseconds(100), ct);
            }
            catch (TimeoutException)
            {
                // Sample again.
            }
        }

        await _process.WaitForExitAsync(ct);   // reaped, and its output drained into the log
        var reaped = ProcStat.ReapedChildrenCpuSeconds() - _reapedCpuAtStart;
        return (_process.ExitCode, Math.Max(reaped, Sample()));
    }

    /// <summary>SIGTERM, then waits up to <paramref name="bound"/> for it to stop; SIGKILL after that.</summary>
    public async Task StopAsync(TimeSpan bound)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>The last lines of its log, for a note.</summary>
    public string LogTail(int lines = 6)
    {
        lock (_gate)
        {
            _log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join(" | ", reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines));
    }

    /// <summary>Every line of its log so far.</summary>
    public string[] LogLines()
    {
        lock (_gate)
        {
            _log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        _process.Dispose();
        lock (_gate)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_log.BaseStream is not null)
            {
                _log.WriteLine(line);
            }
        }
    }
}
