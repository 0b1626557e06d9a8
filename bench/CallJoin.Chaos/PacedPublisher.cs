using CallJoin.Core.Halves;
using CallJoin.Publishing;
using CallJoin.Workload;

namespace CallJoin.Chaos;

/// <summary>
/// Publishes a workload in real time: each message once the wall clock reaches its record timestamp, so the rate is
/// the workload's (calls over its span) and record time never runs ahead of the clock.
/// </summary>
/// <remarks>One publishing task; the counters are read from other threads. Also drives the bench harness's dashboard run.</remarks>
public sealed class PacedPublisher(WeaveWorkload workload, PublisherOptions options, TimeProvider time)
{
    private long _published;
    private long _starts;
    private long _ends;
    private long _bytes;
    private long _startBytes;
    private long _behindMillis;

    /// <summary>The ids of calls whose start was published: what calls_complete must hold under FINAL, once each.</summary>
    /// <remarks>Read only after <see cref="RunAsync"/> has completed.</remarks>
    public HashSet<string> CallIds { get; } = new(StringComparer.Ordinal);

    /// <summary>The ids of calls whose end was published: with a start too, calls_complete must show them complete.</summary>
    public HashSet<string> EndedIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Messages handed to the producer so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>The fraction of the workload's messages handed to the producer.</summary>
    public double Fraction => (double)Published / workload.Expected.Messages;

    /// <summary>Messages published to the starts topic.</summary>
    public long StartsPublished => Interlocked.Read(ref _starts);

    /// <summary>Messages published to the ends topic.</summary>
    public long EndsPublished => Interlocked.Read(ref _ends);

    /// <summary>Messages the broker acknowledged (set when publishing ends).</summary>
    public long Acknowledged { get; private set; }

    /// <summary>Messages the producer gave up on.</summary>
    public long Failed { get; private set; }

    /// <summary>Payload bytes published.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Payload bytes published to the starts topic.</summary>
    public long StartBytes => Interlocked.Read(ref _startBytes);

    /// <summary>The furthest the publisher fell behind the wall clock, in milliseconds (it never runs ahead).</summary>
    public long MaxBehindMillis => Interlocked.Read(ref _behindMillis);

    /// <summary>Publishes every message, then waits for every acknowledgement.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var publisher = new CallPublisher(options);
        foreach (var e in workload.Events())
        {
            var wait = e.TimestampMillis - time.GetUtcNow().ToUnixTimeMilliseconds();
            if (wait > 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), time, ct).ConfigureAwait(false);
            }
            else if (-wait > MaxBehindMillis)
            {
                Interlocked.Exchange(ref _behindMillis, -wait);
            }

            await publisher.PublishAsync(e.Side, e.Key, e.Payload, e.TimestampMillis, ct).ConfigureAwait(false);
            Interlocked.Add(ref _bytes, e.Payload.Length);
            if (e.Side == CallSide.Start)
            {
                Interlocked.Add(ref _startBytes, e.Payload.Length);
            }

            if (e.Kind is WorkloadEventKind.Start or WorkloadEventKind.End)
            {
                (e.Kind == WorkloadEventKind.Start ? CallIds : EndedIds).Add(System.Text.Encoding.UTF8.GetString(e.Key));
            }

            Interlocked.Increment(ref e.Side == CallSide.Start ? ref _starts : ref _ends);
            Interlocked.Increment(ref _published);
        }

        try
        {
            await publisher.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Failed = publisher.Failed;
            Acknowledged = publisher.Acknowledged;
        }
    }
}
