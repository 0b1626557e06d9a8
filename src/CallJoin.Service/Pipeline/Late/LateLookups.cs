using CallJoin.ClickHouse.Lookup;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using Microsoft.Extensions.Logging;

namespace CallJoin.Service.Pipeline.Late;

/// <summary>
/// The engine's <see cref="ILatePartnerLookup"/>: gathers the calls of timed-out halves and looks them up in batches,
/// one batch in flight at a time, off the consume thread; <see cref="TakeAnswers"/> hands the answers back to it.
/// </summary>
/// <remarks>
/// <para>A batch is queried only once everything written before its requests is durable (<paramref name="allWrittenDurable"/>):
/// a half timed out just before its partner arrived has its running row or <c>start_missing</c> record in the sink's buffer,
/// and the lookup must find it, or the partner would be given the wrong outcome.</para>
/// <para>A failed batch is retried whole with backoff (1 s doubling to 10 s), logged at the first failure and then at most
/// every 10 s, and counted; its halves stay in state (and their offsets uncommitted) until it succeeds. Requests and
/// answers are engine-thread only; the query runs on the thread pool.</para>
/// </remarks>
internal sealed class LateLookups(ICallRecords records, Func<Task> allWrittenDurable, TimeProvider time, ILogger log, int maxBatch = 10_000)
    : ILatePartnerLookup
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(10);

    private readonly List<LookupKey> _starts = [];
    private readonly List<LookupKey> _ends = [];
    private Task<IReadOnlyList<LookupAnswer>>? _inFlight;
    private (List<LookupKey> Starts, List<LookupKey> Ends, Task Durable)? _batch;
    private TimeSpan _retryDelay = FirstRetry;
    private long _retryAt;   // 0 unless the last batch failed; read by health from any thread
    private long _nextFailureLog;
    private long _failures;
    private long _queries;

    /// <summary>Calls waiting to be looked up, or in the batch under way.</summary>
    public int Pending => _starts.Count + _ends.Count + (_batch is { } b ? b.Starts.Count + b.Ends.Count : 0);

    /// <summary>Batches looked up so far.</summary>
    public long Queries => Volatile.Read(ref _queries);

    /// <summary>Failed batch lookups so far (each retried).</summary>
    public long Failures => Volatile.Read(ref _failures);

    /// <summary>Whether the last batch failed and is waiting to be retried.</summary>
    public bool IsFailing => Volatile.Read(ref _retryAt) != 0;

    /// <inheritdoc />
    public void Request(CallSide side, ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id) =>
        (side == CallSide.Start ? _starts : _ends).Add(new LookupKey(projectId.ToArray(), id.ToArray()));

    /// <summary>
    /// Returns the answers of the batch that finished (empty when none), and starts the next batch when none is under way.
    /// Call from the engine's thread, often (every housekeeping round).
    /// </summary>
    public IReadOnlyList<LookupAnswer> TakeAnswers()
    {
        IReadOnlyList<LookupAnswer> answers = [];
        if (_inFlight is { IsCompleted: true } done)
        {
            _inFlight = null;
            if (done.IsCompletedSuccessfully)
            {
                answers = done.Result;
                _batch = null;
                _retryAt = 0;
                _retryDelay = FirstRetry;
            }
            else
            {
                OnFailure(done.Exception!.GetBaseException());
            }
        }

        if (_inFlight is null && (_batch is not null || _starts.Count + _ends.Count > 0) && time.GetTimestamp() >= _retryAt)
        {
            _batch ??= (Take(_starts), Take(_ends), allWrittenDurable());
            var (starts, ends, durable) = _batch.Value;
            Interlocked.Increment(ref _queries);
            _inFlight = Task.Run(async () =>
            {
                await durable.ConfigureAwait(false);
                return await records.FindAsync(starts, ends, CancellationToken.None).ConfigureAwait(false);
            });
        }

        return answers;
    }

    private List<LookupKey> Take(List<LookupKey> pending)
    {
        var count = Math.Min(pending.Count, maxBatch);
        var taken = pending.GetRange(0, count);
        pending.RemoveRange(0, count);
        return taken;
    }

    private void OnFailure(Exception error)
    {
        Interlocked.Increment(ref _failures);
        var now = time.GetTimestamp();
        var transient = records.IsTransient(error);
        if (now >= _nextFailureLog)
        {
            _nextFailureLog = now + (long)(LastRetry.TotalSeconds * time.TimestampFrequency);
            Log.LookupFailed(log, Pending, transient ? "transient" : "not transient", _retryDelay, error.Message);
        }

        // Retried even when not transient: the halves cannot be given an outcome without their calls' records, and the
        // log and the failure count say so until it is fixed.
        _retryAt = now + (long)(_retryDelay.TotalSeconds * time.TimestampFrequency);
        _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, LastRetry.Ticks));
    }
}
