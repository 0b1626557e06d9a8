using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace CallJoin.Chaos;

/// <summary>One start of <c>calljoin run</c> as a child process, configured by environment variables like a pod.</summary>
/// <remarks>
/// Its output goes to a log file in the run's folder. Peak memory is the kernel's high-water mark (<c>VmHWM</c>),
/// sampled by <see cref="SamplePeak"/> and read once more just before a kill. Not thread-safe: the run drives it.
/// </remarks>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly HttpClient _http;
    private long _peakBytes;

    private ServiceProcess(string name, Process process, StreamWriter log, string logPath, int port)
    {
        Name = name;
        LogPath = logPath;
        _process = process;
        _log = log;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The instance's slot and start number, e.g. <c>b#3</c>.</summary>
    public string Name { get; }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The file its standard output and error go to.</summary>
    public string LogPath { get; }

    /// <summary>The highest resident memory seen, in bytes.</summary>
    public long PeakBytes => _peakBytes;

    /// <summary>
    /// Starts <c>dotnet <paramref name="serviceDll"/> run</c> with <paramref name="environment"/> plus its own port, and its own
    /// state folder unless the environment names one (<c>CALLJOIN__STATE__DIRECTORY</c>: a volume kept across starts).
    /// </summary>
    public static ServiceProcess Start(string name, string serviceDll, IReadOnlyDictionary<string, string> environment, string runDirectory)
    {
        var port = FreePort();
        var state = Path.Combine(runDirectory, "state", name.Replace('#', '-'));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(serviceDll);
        start.ArgumentList.Add("run");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["CALLJOIN__HTTP__PORT"] = port.ToString(CultureInfo.InvariantCulture);
        if (!environment.ContainsKey("CALLJOIN__STATE__DIRECTORY"))
        {
            start.Environment["CALLJOIN__STATE__DIRECTORY"] = state;
        }
        var logPath = Path.Combine(runDirectory, $"service-{name.Replace('#', '-')}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start dotnet {serviceDll} run");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, process, log, logPath, port);
    }

    /// <summary>Reads <c>/readyz</c>: whether the service is ready and which start-topic partitions it reads; null while it does not answer.</summary>
    public async Task<ServiceReadiness?> ReadinessAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("readyz", UriKind.Relative), ct).ConfigureAwait(false);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            var partitions = body.RootElement.GetProperty("partitions").EnumerateArray().Select(p => p.GetInt32()).ToArray();
            return new ServiceReadiness(response.StatusCode == HttpStatusCode.OK, partitions, body.RootElement.GetProperty("consumed").GetInt64());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Reads the first sample (whatever its labels) from <c>/metrics</c> (e.g. <c>calljoin_state_entries</c>); null when absent or not answering.</summary>
    public async Task<double?> MetricAsync(string name, CancellationToken ct)
    {
        try
        {
            var text = await _http.GetStringAsync(new Uri("metrics", UriKind.Relative), ct).ConfigureAwait(false);
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
                {
                    var value = line[(line.LastIndexOf('}') is var close and >= 0 ? close + 1 : name.Length)..].Trim();
                    return double.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The last lines of its log, for a failure message.</summary>
    public string LogTail()
    {
        _process.WaitForExit();   // the output is complete once the process has exited
        lock (_log)
        {
            _log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.TakeLast(8));
    }

    /// <summary>Notes the current high-water mark of resident memory.</summary>
    public void SamplePeak()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    _peakBytes = Math.Max(_peakBytes, kib * 1024);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The process is gone; the last sample stands.
        }
    }

    /// <summary>SIGKILL: no drain, no commit, no leave-group.</summary>
    public void Kill()
    {
        SamplePeak();
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM and wait for the graceful stop (drain, commit, leave the group); SIGKILL after <paramref name="bound"/>.</summary>
    /// <returns>The exit code, or null when it had to be killed.</returns>
    public async Task<int?> StopAsync(TimeSpan bound)
    {
        SamplePeak();
        if (_process.HasExited)
        {
            return _process.ExitCode;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync().ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            return null;
        }
    }

    /// <summary>The exit code if the process stopped on its own.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Kills the process if it still runs and closes its log.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.WaitForExit();   // drains the redirected output into the log before it closes
        _process.Dispose();
        _http.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream is not null)
            {
                log.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
