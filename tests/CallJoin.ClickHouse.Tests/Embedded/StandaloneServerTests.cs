using System.Diagnostics;
using System.Text.RegularExpressions;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Embedded;

/// <summary><c>calljoin clickhouse</c> as its own process: the data directory survives a kill and a restart.</summary>
public sealed partial class StandaloneServerTests : IDisposable
{
    private readonly string _data = Testing.TempDirectory.Create("calljoin-standalone-ch");

    [Fact]
    public async Task Rows_written_before_a_kill_are_there_after_a_restart()
    {
        using (var first = await StandaloneServer.StartAsync(_data))
        {
            using var client = new ClickHouseClient(first.ConnectionString);
            await client.ExecuteNonQueryAsync("CREATE DATABASE keep");
            await client.ExecuteNonQueryAsync("CREATE TABLE keep.t (id UInt64) ENGINE = MergeTree ORDER BY id");
            var rows = Enumerable.Range(0, 1_000).Select(i => new object[] { (ulong)i });
            Assert.Equal(1_000, await client.InsertBinaryAsync("keep.t", ["id"], rows, new InsertOptions { ColumnTypes = new Dictionary<string, string> { ["id"] = "UInt64" } }));
            first.Kill();
        }

        using var second = await StandaloneServer.StartAsync(_data);
        using var again = new ClickHouseClient(second.ConnectionString);
        Assert.Equal(1_000UL, Convert.ToUInt64(await again.ExecuteScalarAsync("SELECT count() FROM keep.t"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, await second.StopAsync());
    }

    [Fact]
    public async Task The_standalone_server_takes_its_password_from_the_services_variable()
    {
        using var server = await StandaloneServer.StartAsync(_data, password: "from-env-3d9f");
        using (var right = new ClickHouseClient($"{server.ConnectionString};Password=from-env-3d9f"))
        {
            Assert.Equal(1L, Convert.ToInt64(await right.ExecuteScalarAsync("SELECT 1"), System.Globalization.CultureInfo.InvariantCulture));
        }

        using var none = new ClickHouseClient(server.ConnectionString);
        Assert.Equal(516, (await Assert.ThrowsAsync<ClickHouseServerException>(() => none.ExecuteScalarAsync("SELECT 1"))).ErrorCode);
        Assert.Equal(0, await server.StopAsync());
    }

    public void Dispose() => Testing.TempDirectory.Delete(_data);

    /// <summary>A child <c>calljoin clickhouse</c> on a free port, found from the line it prints when ready.</summary>
    private sealed partial class StandaloneServer : IDisposable
    {
        private readonly Process _process;

        private StandaloneServer(Process process, int port)
        {
            _process = process;
            Port = port;
            ConnectionString = $"Host=127.0.0.1;Port={port};Protocol=http;Username=weave";
        }

        public int Port { get; }

        public string ConnectionString { get; }

        /// <summary>Starts <c>calljoin clickhouse</c>; <paramref name="password"/> is given as the service's variable, WF_CLICKHOUSE_PASS.</summary>
        public static async Task<StandaloneServer> StartAsync(string data, string? password = null)
        {
            var cli = Path.Combine(AppContext.BaseDirectory, "calljoin.dll");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "exec", cli, "clickhouse", "--data", data, "--port", "0", "--user", "weave" })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["WF_CLICKHOUSE_PASS"] = password ?? "";

            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (ListeningLine().Match(line) is { Success: true } m)
                {
                    return new StandaloneServer(process, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            throw new InvalidOperationException($"calljoin clickhouse exited ({process.ExitCode}) before listening");
        }

        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        /// <summary>Sends SIGTERM and returns the exit code.</summary>
        public async Task<int> StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
        }

        [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)/")]
        private static partial Regex ListeningLine();
    }
}
