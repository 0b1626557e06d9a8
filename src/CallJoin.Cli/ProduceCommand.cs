using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using CallJoin.Core.Halves;
using CallJoin.Dumps;
using CallJoin.Kafka;
using CallJoin.Publishing;
using CallJoin.Workload;

namespace CallJoin.Cli;

/// <summary><c>calljoin produce</c>: publishes a Weave-like workload (<see cref="WeaveWorkload"/>) for load and tests.</summary>
internal static class ProduceCommand
{
    private const string Help = """
        usage: calljoin produce [--calls N (100000)] [--seed S (1)] [--projects P (4)]
                                [--epoch ISO-8601|now (2026-01-01T00:00:00Z)] [--span DURATION (30m)]
                                [--end-before-start F (0.05)] [--duplicates F (0.02)] [--orphan-ends F (0.005)]
                                [--never-ends F (0.005)] [--long-running F (0.01)] [--late-starts F (0.002)]
                                [--malformed F (0.002)] [--clean] [--medium-payloads F (0.08)] [--large-payloads F (0.003)]
                                [--max-payload-bytes B (900000)] [--max-call-duration DURATION (2m)]
                                [--long-running-after DURATION (5m)] [--generate-only | --dump FILE [--partitions P (12)]]
                                [--bootstrap HOST:PORT,...] [--max-in-flight N (100000)] [--start-topic T] [--end-topic T]

        Publishes a deterministic Weave-like workload: trace trees of LLM calls as the trace server's start and end
        messages, keyed by call id, each with its record timestamp, with the given fractions of calls arriving end
        first, redelivered, without a start, without an end, long-running, with a late start, or with a malformed
        companion (--clean sets all of those to 0). The same options publish the same bytes. Uses the idempotent
        producer; waits for acknowledgements when N messages are in flight (never drops). Prints the rate and what
        the join must produce from it. --generate-only measures the generator alone and publishes nothing. --dump FILE
        writes the workload as a kcat -J dump instead (gzip when FILE ends in .gz; partition by a hash of the key,
        offsets counted per partition), for 'calljoin replay'.

        Record timestamps start at --epoch and spread over --span; "now" puts them all in the past (epoch = now -
        span - 2 x long-running-after - max-call-duration), for brokers whose retention drops old timestamps.
        DURATION: 1500ms, 90s, 30m, 2h, 1d or hh:mm:ss. Fractions are per call, from 0 to 1.
        Kafka defaults come from CALLJOIN_KAFKA_BOOTSTRAP or WF_KAFKA_BROKER_HOST/_PORT (localhost:9092).
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var workloadOptions = WorkloadOptionsFrom(options);
        var generateOnly = options.Flag("generate-only");
        var dump = options.String("dump");
        var partitions = options.Int("partitions", 12);
        var defaults = new PublisherOptions { BootstrapServers = KafkaEndpoint.FromEnvironment().BootstrapServers };
        var publisherOptions = defaults with
        {
            BootstrapServers = options.String("bootstrap") ?? defaults.BootstrapServers,
            MaxInFlight = options.Int("max-in-flight", defaults.MaxInFlight),
            StartTopic = options.String("start-topic") ?? defaults.StartTopic,
            EndTopic = options.String("end-topic") ?? defaults.EndTopic,
        };
        options.RejectUnknown();

        WeaveWorkload workload;
        try
        {
            workload = new WeaveWorkload(workloadOptions);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new CommandLineException($"workload options: {e.Message}");
        }

        Console.WriteLine($"produce: {workloadOptions.Calls:N0} calls, seed {workloadOptions.Seed}, epoch {workloadOptions.Epoch:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");
        var clock = Stopwatch.StartNew();
        long messages = 0;
        long bytes = 0;
        long lastTimestamp = 0;
        if (dump is not null)
        {
            (messages, bytes, lastTimestamp) = WriteDump(dump, partitions, workload, publisherOptions, stop);
        }
        else if (generateOnly)
        {
            foreach (var e in workload.Events())
            {
                messages++;
                bytes += e.Payload.Length;
                lastTimestamp = e.TimestampMillis;
                stop.ThrowIfCancellationRequested();
            }
        }
        else
        {
            using var publisher = new CallPublisher(publisherOptions);
            foreach (var e in workload.Events())
            {
                await publisher.PublishAsync(e.Side, e.Key, e.Payload, e.TimestampMillis, stop).ConfigureAwait(false);
                messages++;
                bytes += e.Payload.Length;
                lastTimestamp = e.TimestampMillis;
            }

            await publisher.FlushAsync(stop).ConfigureAwait(false);
            messages = publisher.Acknowledged;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"produce: {messages:N0} messages ({bytes / 1e6:N1} MB) {(dump is not null ? "written to " + dump : generateOnly ? "generated" : "acknowledged")} in {seconds:F1} s: "
            + $"{messages / seconds:N0} msg/s, {bytes / 1e6 / seconds:N1} MB/s; record time up to {DateTimeOffset.FromUnixTimeMilliseconds(lastTimestamp):yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        Console.WriteLine($"produce: expected from the join: {workload.Expected}");
        return 0;
    }

    /// <summary>Writes the workload as a dump, as if published to topics of <paramref name="partitions"/> partitions.</summary>
    private static (long Messages, long Bytes, long LastTimestamp) WriteDump(
        string path, int partitions, WeaveWorkload workload, PublisherOptions topics, CancellationToken stop)
    {
        if (partitions <= 0)
        {
            throw new CommandLineException($"--partitions expects a positive number, got {partitions}.");
        }

        using var writer = DumpWriter.Create(path);
        var nextOffset = new long[2 * partitions];
        long messages = 0, bytes = 0, last = 0;
        foreach (var e in workload.Events())
        {
            var partition = (int)(XxHash3.HashToUInt64(e.Key) % (ulong)partitions);
            var slot = (e.Side == CallSide.Start ? 0 : partitions) + partition;
            var topic = e.Side == CallSide.Start ? topics.StartTopic : topics.EndTopic;
            writer.Write(topic, partition, nextOffset[slot]++, e.TimestampMillis, e.Key, hasKey: true, e.Payload, hasPayload: true);
            messages++;
            bytes += e.Payload.Length;
            last = e.TimestampMillis;
            if ((messages & 4095) == 0)
            {
                stop.ThrowIfCancellationRequested();
            }
        }

        writer.Flush();
        return (messages, bytes, last);
    }

    private static WorkloadOptions WorkloadOptionsFrom(CommandOptions options)
    {
        var defaults = new WorkloadOptions();
        var clean = options.Flag("clean");
        var workload = defaults with
        {
            Calls = options.Int("calls", 100_000),
            Seed = options.Int("seed", defaults.Seed),
            Projects = options.Int("projects", defaults.Projects),
            Span = Duration(options, "span", defaults.Span),
            EndBeforeStart = Fraction(options, "end-before-start", clean ? 0 : defaults.EndBeforeStart),
            DuplicateHalf = Fraction(options, "duplicates", clean ? 0 : defaults.DuplicateHalf),
            OrphanEnd = Fraction(options, "orphan-ends", clean ? 0 : defaults.OrphanEnd),
            NeverEnds = Fraction(options, "never-ends", clean ? 0 : defaults.NeverEnds),
            LongRunning = Fraction(options, "long-running", clean ? 0 : defaults.LongRunning),
            LateStart = Fraction(options, "late-starts", clean ? 0 : defaults.LateStart),
            Malformed = Fraction(options, "malformed", clean ? 0 : defaults.Malformed),
            MediumPayloads = Fraction(options, "medium-payloads", defaults.MediumPayloads),
            LargePayloads = Fraction(options, "large-payloads", defaults.LargePayloads),
            MaxPayloadBytes = options.Int("max-payload-bytes", defaults.MaxPayloadBytes),
            MaxCallDuration = Duration(options, "max-call-duration", defaults.MaxCallDuration),
            LongRunningAfter = Duration(options, "long-running-after", defaults.LongRunningAfter),
        };
        var epoch = options.String("epoch");
        if (epoch is null)
        {
            return workload;
        }

        if (epoch == "now")
        {
            var tail = workload.Span + (2 * workload.LongRunningAfter) + workload.MaxCallDuration;
            return workload with { Epoch = DateTimeOffset.UtcNow - tail };
        }

        return DateTimeOffset.TryParse(epoch, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? workload with { Epoch = at }
            : throw new CommandLineException($"--epoch expects an ISO-8601 date-time or 'now', got '{epoch}'.");
    }

    private static double Fraction(CommandOptions options, string name, double fallback)
    {
        var text = options.String(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw new CommandLineException($"--{name} expects a fraction between 0 and 1, got '{text}'.");
    }

    private static TimeSpan Duration(CommandOptions options, string name, TimeSpan fallback)
    {
        var text = options.String(name);
        if (text is null)
        {
            return fallback;
        }

        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1)
            : text.EndsWith('m') ? (text[..^1], 60)
            : text.EndsWith('h') ? (text[..^1], 3600)
            : text.EndsWith('d') ? (text[..^1], 86400)
            : (text, 0.0);
        if (unit > 0 && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return TimeSpan.FromSeconds(value * unit);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new CommandLineException($"--{name} expects a duration such as 90s, 30m or 01:30:00, got '{text}'.");
    }
}
