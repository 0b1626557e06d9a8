using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CallJoin.Kafka;
using CallJoin.Recording;
using Confluent.Kafka;

namespace CallJoin.Cli;

/// <summary><c>calljoin record</c>: writes topic ranges from Kafka into a dump in kcat's <c>-J</c> line format, ordered by record time.</summary>
internal static class RecordCommand
{
    /// <summary>The <c>record</c> command.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out")
        {
            HelpName = "FILE[.gz]",
            Description = "the dump to write (gzip when it ends in .gz); written as FILE.partial and renamed when complete",
            Required = true,
        };
        output.Validators.Add(r =>
        {
            if (r.ValidValue(output) is var path && (string.IsNullOrEmpty(path) || Directory.Exists(path)))
            {
                r.AddError($"--out must name a file, got '{path}'.");
            }
        });
        var bootstrap = CliOptions.Text("--bootstrap", "HOST:PORT,...", "Kafka bootstrap servers (default: CALLJOIN_KAFKA_BOOTSTRAP, or WF_KAFKA_BROKER_HOST/_PORT; localhost:9092)");
        var topics = CliOptions.List("--topics", "T1,T2", "the topics to record (default weave.call_started,weave.call_ended)");
        var partitions = CliOptions.List("--partitions", "0,1,...", "limit every topic to those partition numbers (default: all)");
        partitions.Validators.Add(r =>
        {
            foreach (var item in r.ValidValue(partitions) ?? [])
            {
                if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    r.AddError($"--partitions expects partition numbers from 0, got '{item}'.");
                }
            }
        });
        var fromOffset = CliOptions.Offset("--from-offset", "start at offset N (default: the earliest offset held)");
        var fromTime = CliOptions.Time("--from-time", "start at the first record at or after this time");
        var toOffset = CliOptions.Offset("--to-offset", "end before offset N (default end: the end of the partition when recording starts)");
        var toTime = CliOptions.Time("--to-time", "end before the first record at or after this time");
        var command = new Command("record", """
            write topic ranges from Kafka into a kcat -J dump (plain or .gz)

            Writes the records of the topics (default weave.call_started,weave.call_ended) into FILE, one JSON object per
            line as 'kcat -C -J' writes them, merged across topics and partitions by record timestamp (ties in topic, then
            partition order). FILE is gzip when it ends in .gz. It is written as FILE.partial and renamed when complete.
            Each partition's range is [start, end); the default end is the end of the partition when recording starts,
            so it always finishes. Times are ISO-8601, e.g. 2025-03-01T12:00:00Z or 2025-03-01T14:00:00+02:00 (UTC when
            no offset is given).

            Reads with one consumer by static assignment: no consumer group is joined and no offsets are committed.
            Needs free space next to FILE for the uncompressed size of the dump (one segment file per partition).
            Kafka defaults come from CALLJOIN_KAFKA_BOOTSTRAP or WF_KAFKA_BROKER_HOST/_PORT (localhost:9092).
            """) { output, bootstrap, topics, partitions, fromOffset, fromTime, toOffset, toTime };
        command.Validators.Add(r =>
        {
            if (r.ValidValue(fromOffset) is not null && r.ValidValue(fromTime) is not null)
            {
                r.AddError("give --from-offset or --from-time, not both.");
            }

            if (r.ValidValue(toOffset) is not null && r.ValidValue(toTime) is not null)
            {
                r.AddError("give --to-offset or --to-time, not both.");
            }
        });
        command.SetAction((parse, stop) =>
        {
            var recording = new RecordingOptions
            {
                BootstrapServers = parse.GetValue(bootstrap) ?? KafkaEndpoint.FromEnvironment().BootstrapServers,
                FromOffset = parse.GetValue(fromOffset),
                FromTime = parse.GetValue(fromTime),
                ToOffset = parse.GetValue(toOffset),
                ToTime = parse.GetValue(toTime),
            };
            if (parse.GetValue(topics) is { Length: > 0 } topicList)
            {
                recording = recording with { Topics = topicList };
            }

            if (parse.GetValue(partitions) is { Length: > 0 } partitionList)
            {
                recording = recording with { Partitions = [.. partitionList.Select(p => int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture))] };
            }

            Check(recording);
            return RunAsync(parse.GetRequiredValue(output), recording, stop);
        });
        return command;
    }

    private static async Task<int> RunAsync(string output, RecordingOptions recording, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var progress = new RecordDisplay();
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

    private static void Check(RecordingOptions recording)
    {
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

    /// <summary>Record's progress: records read, then merged, against the records the ranges hold.</summary>
    private sealed class RecordDisplay : IProgress<RecordingProgress>
    {
        private readonly ConsoleProgress _reading = ConsoleProgress.OnStandardError("record", "records read");
        private readonly ConsoleProgress _merging = ConsoleProgress.OnStandardError("record", "records merged");

        public void Report(RecordingProgress value)
        {
            if (value.Phase == RecordingPhase.Reading)
            {
                _reading.Update(value.Records, value.Records, value.Expected);
            }
            else if (value.Phase == RecordingPhase.Merging)
            {
                _reading.Finish();
                _merging.Update(value.Records, value.Records, value.Expected);
            }
        }

        public void Finish()
        {
            _reading.Finish();
            _merging.Finish();
        }
    }
}
