using System.CommandLine;
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
    /// <summary>The <c>produce</c> command.</summary>
    public static Command Create()
    {
        var workload = new WorkloadOptionSet();
        var generateOnly = CliOptions.Flag("--generate-only", "measure the generator alone; publish nothing");
        var dump = CliOptions.Text("--dump", "FILE", "write the workload as a kcat -J dump instead (gzip when FILE ends in .gz), for 'calljoin replay'");
        var partitions = CliOptions.Int("--partitions", 12, "partitions of the dump's topics (keys hashed to them; offsets counted per partition)", min: 1);
        var defaults = new PublisherOptions { BootstrapServers = "" };
        var bootstrap = CliOptions.Text("--bootstrap", "HOST:PORT,...", "Kafka bootstrap servers (default: CALLJOIN_KAFKA_BOOTSTRAP, or WF_KAFKA_BROKER_HOST/_PORT; localhost:9092)");
        var maxInFlight = CliOptions.Int("--max-in-flight", defaults.MaxInFlight, "wait for acknowledgements when this many messages are in flight", min: 1);
        var startTopic = CliOptions.Text("--start-topic", "T", "the topic of call starts", defaults.StartTopic);
        var endTopic = CliOptions.Text("--end-topic", "T", "the topic of call ends", defaults.EndTopic);
        var command = new Command("produce", """
            publish generated call starts and ends to Kafka (load)

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
            """);
        workload.AddTo(command);
        foreach (var option in new Option[] { generateOnly, dump, partitions, bootstrap, maxInFlight, startTopic, endTopic })
        {
            command.Add(option);
        }

        command.Validators.Add(r =>
        {
            if (r.ValidValue(generateOnly) && r.ValidValue(dump) is not null)
            {
                r.AddError("give --generate-only or --dump, not both.");
            }
        });
        command.SetAction((parse, stop) => RunAsync(
            workload.Resolve(parse), parse.GetValue(generateOnly), parse.GetValue(dump), parse.GetValue(partitions),
            defaults with
            {
                BootstrapServers = parse.GetValue(bootstrap) ?? KafkaEndpoint.FromEnvironment().BootstrapServers,
                MaxInFlight = parse.GetValue(maxInFlight),
                StartTopic = parse.GetValue(startTopic)!,
                EndTopic = parse.GetValue(endTopic)!,
            },
            stop));
        return command;
    }

    private static async Task<int> RunAsync(WorkloadOptions workloadOptions, bool generateOnly, string? dump, int partitions,
        PublisherOptions publisherOptions, CancellationToken stop)
    {
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
        var progress = new ProduceDisplay(workload.Expected.Messages);
        long messages = 0;
        long bytes = 0;
        long lastTimestamp = 0;
        if (dump is not null)
        {
            (messages, bytes, lastTimestamp) = WriteDump(dump, partitions, workload, publisherOptions, progress, stop);
        }
        else if (generateOnly)
        {
            foreach (var e in workload.Events())
            {
                messages++;
                bytes += e.Payload.Length;
                lastTimestamp = e.TimestampMillis;
                stop.ThrowIfCancellationRequested();
                progress.Update(messages);
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
                progress.Update(messages);
            }

            await publisher.FlushAsync(stop).ConfigureAwait(false);
            messages = publisher.Acknowledged;
        }

        progress.Finish();
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"produce: {messages:N0} messages ({bytes / 1e6:N1} MB) {(dump is not null ? "written to " + dump : generateOnly ? "generated" : "acknowledged")} in {seconds:F1} s: "
            + $"{messages / seconds:N0} msg/s, {bytes / 1e6 / seconds:N1} MB/s; record time up to {DateTimeOffset.FromUnixTimeMilliseconds(lastTimestamp):yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        Console.WriteLine($"produce: expected from the join: {workload.Expected}");
        return 0;
    }

    /// <summary>Writes the workload as a dump, as if published to topics of <paramref name="partitions"/> partitions.</summary>
    private static (long Messages, long Bytes, long LastTimestamp) WriteDump(
        string path, int partitions, WeaveWorkload workload, PublisherOptions topics, ProduceDisplay progress, CancellationToken stop)
    {
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
                progress.Update(messages);
            }
        }

        writer.Flush();
        return (messages, bytes, last);
    }

    /// <summary>Produce's progress: messages against the workload's planned messages, looked at every 4096 messages.</summary>
    private sealed class ProduceDisplay(long planned)
    {
        private readonly ConsoleProgress _display = ConsoleProgress.OnStandardError("produce", "messages");

        public void Update(long messages)
        {
            if ((messages & 4095) == 0)
            {
                _display.Update(messages, messages, planned);
            }
        }

        public void Finish() => _display.Finish();
    }
}
