using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CallJoin.Dumps;
using CallJoin.Recording;
using CallJoin.Testing;
using Confluent.Kafka;

namespace CallJoin.Recording.Tests;

/// <summary>
/// Against the real kcat, when it is installed (Debian package <c>kcat</c>): our recording of a partition is byte for byte
/// kcat's <c>-C -J</c> output (but for the broker id, which Confluent.Kafka does not expose), and our reader reads kcat's.
/// </summary>
public sealed partial class KcatInteropTests(BrokerFixture kafka) : IDisposable
{
    private static readonly byte[]?[] s_payloads =
    [
        "plain"u8.ToArray(),
        null,
        [],
        "quote\" back\\ slash/ nl\n cr\r tab\t bs\b ff\f"u8.ToArray(),
        [0x00, 0x01, 0x1f, 0x7f, 0x20],
        "é 😀 中文"u8.ToArray(),
        [0xff, 0xfe, 0xc3, 0x28, 0x41],   // not UTF-8: kcat writes it raw
        """{"id":"x","inputs":{"a":"b\n","c":[1,2]}}"""u8.ToArray(),
    ];

    private readonly string _directory = TempDirectory.Create("kcat");

    [Fact]
    public async Task A_recorded_partition_is_what_kcat_writes_and_kcat_output_reads_back_exactly()
    {
        var kcat = FindKcat();
        // On a developer machine without kcat this skips; in CI (.ci/run installs kcat) a missing kcat is a failure.
        Assert.False(kcat is null && IsCi, "kcat is not installed, and CI must run this interop test (.ci/run installs the Debian package kcat)");
        Assert.SkipWhen(kcat is null, "kcat is not installed");
        var topic = kafka.CreateTopic("kcat", 1);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.ProducerConfig()).Build())
        {
            for (var i = 0; i < s_payloads.Length; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?>
                {
                    Key = i switch { 1 => null, 2 => [], _ => Encoding.UTF8.GetBytes($"k\t{i}") },
                    Value = s_payloads[i],
                    Headers = i % 2 == 0 ? new Headers { { "h\"1", "v\n1"u8.ToArray() }, { "none", null } } : null,
                    Timestamp = i == 3 ? new Timestamp(1234, TimestampType.CreateTime) : Timestamp.Default,
                }, TestContext.Current.CancellationToken);
            }
        }

        var kcatOutput = await RunKcatAsync(kcat!, topic);
        var ours = Path.Combine(_directory, "ours.jsonl");
        await new TopicRecorder(new RecordingOptions { BootstrapServers = kafka.BootstrapServers, Topics = [topic] })
            .RecordAsync(ours, cancellationToken: TestContext.Current.CancellationToken);

        var kcatLines = BrokerId().Replace(Encoding.Latin1.GetString(kcatOutput), "\"broker\":-1");
        Assert.Equal(s_payloads.Length, kcatLines.Count(c => c == '\n'));
        Assert.Equal(kcatLines, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(ours, TestContext.Current.CancellationToken)));

        using var reader = new DumpReader(new MemoryStream(kcatOutput), "kcat");
        foreach (var payload in s_payloads)
        {
            Assert.Equal(DumpReadResult.Record, reader.Read());
            Assert.True(reader.Broker > 0);
            Assert.Equal(payload is not null, reader.HasPayload);
            Assert.Equal(Convert.ToHexString(payload ?? []), Convert.ToHexString(reader.Payload));
        }

        Assert.Equal(DumpReadResult.End, reader.Read());
    }

    public void Dispose() => TempDirectory.Delete(_directory);

    /// <summary>CI systems set <c>CI=true</c> (GitHub Actions, GitLab, .ci/run).</summary>
    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private async Task<byte[]> RunKcatAsync(string kcat, string topic)
    {
        using var process = Process.Start(new ProcessStartInfo(kcat, ["-b", kafka.BootstrapServers, "-C", "-J", "-e", "-q", "-t", topic, "-o", "beginning"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var output = new MemoryStream();
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kcat exited with {process.ExitCode}: {await errors}");
        return output.ToArray();
    }

    private static string? FindKcat() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "kcat"))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex("\"broker\":[0-9]+")]
    private static partial Regex BrokerId();
}
