using System.Diagnostics;
using System.Globalization;
using CallJoin.Kafka;
using CallJoin.Recording;
using Confluent.Kafka;

namespace CallJoin.Cli;

/// <summary><c>calljoin record</c>: writes topic ranges from Kafka into a dump in kcat's <c>-J</c> line format, ordered by record time.</summary>
internal static class RecordCommand
{
    private const string Help = """
        usage: calljoin record --out FILE[.gz] [--bootstrap HOST:PORT,...] [--topics T1,T2] [--partitions 0,1,...]
                               [--from-offset N | --from-time ISO-8601] [--to-offset N | --to-time ISO-8601]

        Writes the records of the topics (default weave.call_started,weave.call_ended) into FILE, one JSON object per
        line as 'kcat -C -J' writes them, merged across topics and partitions by record timestamp (ties in topic, then
        partition order). FILE is gzip when it ends in .gz. It is written as FILE.partial and renamed when complete.

        Each partition's range is [start, end):
          --from-offset N    start at offset N (default: the earliest offset held)
          --from-time T      start at the first record at or after time T
          --to-offset N      end before offset N
          --to-time T        end before the first record at or after time T
                             (default end: the end of the partition when recording starts, so it always finishes)
        Times are ISO-8601, e.g. 2025-03-01T12:00:00Z or 2025-03-01T14:00:00+02:00 (UTC when no offset is given).
        --partitions limits every topic to those partition numbers (default: all).

        Reads with one consumer by static assignment: no consumer group is joined and no offsets are committed.
        Needs free space next to FILE for the uncompressed size of the dump (one segment file per partition).
        Kafka defaults come from CALLJOIN_KAFKA_BOOTSTRAP or WF_KAFKA_BROKER_HOST/_PORT (localhost:9092).
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var output = options.String("out") ?? throw new CommandLineException("--out FILE is required (the dump to write; .gz for gzip).");
        if (output.Length == 0 || Directory.Exists(output))
        {
            throw new CommandLineException($"--out must name a file, got '{output}'.");
        }

        var recording = new RecordingOptions
        {
            BootstrapServers = options.String("bootstrap") ?? KafkaEndpoint.FromEnvironment().BootstrapServers,
            FromOffset = Offset(options, "from-offset"),
            FromTime = Time(options, "from-time"),
            ToOffset = Offset(options, "to-offset"),
            ToTime = Time(options, "to-time"),
        };
        if (options.String("topics") is { } topics)
        {
            recording = recording with { Topics = List(topics, "topics") };
        }

        if (options.String("partitions") is { } partitions)
        {
            recording = recording with { Partitions = [.. List(partitions, "partitions").Select(Partition)] };
        }

        options.RejectUnknown();
        Check(recording);

        var clock = Stopwatch.StartNew();
        var progress = new ProgressLine(clock);
        RecordingSummary summary;
        try
        {
            summary = await new TopicRecorder(recording).RecordAsync(output, progress, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            progress.Finish();
            await Console.Error.WriteLineAsync("calljoin record: stopped; no dump was written.").ConfigureAwait(false);
            return 130;
        }
        catch (KafkaException ex)
        {
            progress.Finish();
            await Console.Error.WriteLineAsync($"calljoin record: Kafka at {recording.BootstrapServers}: {ex.Error.Reason}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            progress.Finish();
            await Console.Error.WriteLineAsync($"calljoin record: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        progress.Finish();
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"record: {summary.Records:N0} records in {seconds:F1} s ({summary.Records / Math.Max(seconds, 0.001):N0} records/s), {Size(summary.BytesWritten)} written to {output}"));
        var width = summary.RecordsByTopic.Max(t => t.Key.Length);
        foreach (var (topic, records) in summary.RecordsByTopic)
        {
            var ranges = summary.Partitions.Where(p => p.Topic == topic)
                .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Partition}:[{p.StartOffset},{p.EndOffset})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {topic.PadRight(width)}  {records,12:N0} records  partitions {string.Join(' ', ranges)}"));
        }

        return 0;
    }

    private static long? Offset(CommandOptions options, string name)
    {
        var text = options.String(name);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw new CommandLineException($"--{name} expects an offset (a whole number from 0), got '{text}'.");
    }

    private static DateTimeOffset? Time(CommandOptions options, string name)
    {
        var text = options.String(name);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CommandLineException($"--{name} expects an ISO-8601 time such as 2025-03-01T12:00:00Z, got '{text}'.");
    }

    private static string[] List(string text, string name)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        return items.Any(i => i.Length == 0)
            ? throw new CommandLineException($"--{name} expects a comma-separated list without empty items, got '{text}'.")
            : items;
    }

    private static int Partition(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            ? partition
            : throw new CommandLineException($"--partitions expects partition numbers from 0, got '{text}'.");

    private static void Check(RecordingOptions recording)
    {
        if (recording.FromOffset is not null && recording.FromTime is not null)
        {
            throw new CommandLineException("give --from-offset or --from-time, not both.");
        }

        if (recording.ToOffset is not null && recording.ToTime is not null)
        {
            throw new CommandLineException("give --to-offset or --to-time, not both.");
        }

        try
        {
            recording.Validate();
        }
        catch (ArgumentException ex)
        {
            var message = ex.Message[..(ex.Message.IndexOf(" (Parameter", StringComparison.Ordinal) is var cut and >= 0 ? cut : ex.Message.Length)];
            throw new CommandLineException(char.ToLowerInvariant(message[0]) + message[1..]);
        }
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1073741824.0:F2} GiB"),
    };

    /// <summary>Prints progress on stderr at most once a second: on one rewritten line on a terminal, as plain lines otherwise.</summary>
    private sealed class ProgressLine(Stopwatch clock) : IProgress<RecordingProgress>
    {
        private readonly Lock _gate = new();
        private TimeSpan _next = TimeSpan.FromSeconds(1);
        private bool _written;

        public void Report(RecordingProgress value)
        {
            lock (_gate)
            {
                if (clock.Elapsed < _next || value.Phase == RecordingPhase.Done)
                {
                    return;
                }

                _next = clock.Elapsed + TimeSpan.FromSeconds(1);
                var phase = value.Phase == RecordingPhase.Reading ? "reading" : "merging";
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"record: {phase} {value.Records:N0} / {value.Expected:N0} records, {clock.Elapsed.TotalSeconds:F0} s");
                if (Console.IsErrorRedirected)
                {
                    Console.Error.WriteLine(line);
                }
                else
                {
                    Console.Error.Write($"\r{line}\u001b[K");
                    _written = true;
                }
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                if (_written)
                {
                    Console.Error.WriteLine();
                    _written = false;
                }
            }
        }
    }
}
