using System.Diagnostics;
using System.Globalization;
using CallJoin.ClickHouse.Sink;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Nothing lost, nothing doubled when the service is killed with SIGKILL or ClickHouse goes away mid-stream.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class ServiceFailureTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private const string CallsFinal = "SELECT count() FROM {db}.calls_complete FINAL";

    [Fact]
    public async Task A_service_killed_with_sigkill_mid_stream_and_started_again_lands_every_call_once()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 8);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 6_000, Seed = 21 });
        var expected = workload.Expected;
        await harness.PublishAsync(workload.Events());

        long landedAtKill;
        var state = harness.NewStateDirectory();
        using (var first = ChildService.Start(harness, state))
        {
            landedAtKill = await harness.WaitForAsync($"SELECT least(count(), 1) FROM {{db}}.calls_complete", 1) > 0
                ? await harness.ScalarAsync(CallsFinal)
                : 0;
            first.Kill();   // SIGKILL: no drain, no final commit
        }

        Assert.InRange(landedAtKill, 1, expected.CallsInTable - 1);
        // The second run reopens the last state checkpoint (every half a second) and reads on from its positions.
        using var second = ChildService.Start(harness, state);
        Assert.Equal(expected.CallsInTable, await harness.WaitForAsync(CallsFinal, expected.CallsInTable));
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(expected.RunningOnlyRows, await harness.ScalarAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)"));
        Assert.Equal(expected.ErrorRecords, await harness.WaitForAsync("SELECT count() FROM {db}.calljoin_errors FINAL", expected.ErrorRecords));
        Assert.Equal(0, await harness.ScalarAsync("SELECT count() FROM (SELECT id FROM {db}.calls_complete FINAL GROUP BY id HAVING count() > 1)"));
        Assert.Equal(0, second.ExitCodeIfExited());
    }

    [Fact]
    public async Task While_clickhouse_is_down_the_service_pauses_and_reports_not_ready_then_lands_everything_once()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 8);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 3_000, Seed = 31 });
        var expected = workload.Expected;
        var settings = harness.Settings() with
        {
            // Small batches and a small buffer: the outage fills it quickly, so the partitions pause.
            Sink = harness.Settings().Sink with { MaxBatchBytes = 256 * 1024, MaxBufferedBytes = 1024 * 1024, RetryMaxDelay = TimeSpan.FromMilliseconds(500) },
        };
        await using var service = await ServiceHarness.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        await clickHouse.Server.SuspendAsync(timeout.Token);
        try
        {
            await harness.PublishAsync(workload.Events());
            for (var i = 0; i < 600 && !service.Service.Ingest!.IsPaused; i++)
            {
                await Task.Delay(100, timeout.Token);
            }

            Assert.True(service.Service.Ingest!.IsPaused, "the ingest did not pause while ClickHouse was down");
            Assert.True(service.Service.Sink!.BufferedBytes <= settings.Sink.MaxBufferedBytes + settings.Sink.MaxBatchBytes + (4 << 20));
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("readyz", UriKind.Relative), timeout.Token)).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative), timeout.Token)).StatusCode);
        }
        finally
        {
            await clickHouse.Server.ResumeAsync(timeout.Token);
        }

        Assert.Equal(expected.CallsInTable, await harness.WaitForAsync(CallsFinal, expected.CallsInTable));
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(expected.ErrorRecords, await harness.WaitForAsync("SELECT count() FROM {db}.calljoin_errors FINAL", expected.ErrorRecords));
        Assert.True(service.Service.Sink!.Retries > 0);
    }

    [Fact]
    public async Task A_sink_failure_retrying_cannot_fix_stops_the_service_with_a_log_line_and_exit_code_1()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 2);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 200, Seed = 41 });
        await harness.PublishAsync(workload.Events());

        // Not migrated: the database is empty, so the first insert meets UNKNOWN_TABLE, which no retry can fix.
        using var child = ChildService.Start(harness, harness.NewStateDirectory(), new Dictionary<string, string> { ["CALLJOIN__CLICKHOUSE__MIGRATE"] = "false" });

        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(2)), "the service kept running after its sink stopped");
        Assert.Equal(1, child.ExitCodeIfExited());
        Assert.Contains(child.Output, line => line.Contains("ClickHouse sink stopped", StringComparison.Ordinal));
        Assert.Contains(child.Output, line => line.Contains("exiting with code 1", StringComparison.Ordinal));
    }

    /// <summary><c>calljoin run</c> as a child process, configured by environment variables like a pod.</summary>
    private sealed class ChildService : IDisposable
    {
        private readonly Process _process;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

        private ChildService(Process process) => _process = process;

        /// <summary>Its stdout and stderr lines so far.</summary>
        public IReadOnlyCollection<string> Output => _output;

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
            process.OutputDataReceived += (_, line) => child.Keep(line.Data);
            process.ErrorDataReceived += (_, line) => child.Keep(line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return child;
        }

        public bool WaitForExit(TimeSpan bound)
        {
            if (!_process.WaitForExit(bound))
            {
                return false;
            }

            _process.WaitForExit();   // and its output is read to the end
            return true;
        }

        public void Kill()
        {
            _process.Kill(entireProcessTree: true);   // SIGKILL
            _process.WaitForExit();
        }

        /// <summary>0 while running; the exit code if the child stopped on its own (it should not).</summary>
        public int ExitCodeIfExited() => _process.HasExited ? _process.ExitCode : 0;

        private void Keep(string? line)
        {
            if (line is not null)
            {
                _output.Enqueue(line);
            }
        }

        public void Dispose()
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

            _process.Dispose();
        }
    }
}
