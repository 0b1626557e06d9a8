using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Dumps;

namespace CallJoin.Replay.Engines;

/// <summary>
/// A JSONL replay on several engines: the calling thread reads and merges the dumps into batches, one lane per engine
/// joins the records of its partitions, and a writing thread merges the lanes' lines back into the single engine's
/// order (see <see cref="JsonlReplay"/> for the rule).
/// </summary>
internal sealed class LaneReplay : IDisposable
{
    /// <summary>Batches in flight: bounds memory, and lets reading, joining and writing overlap.</summary>
    private const int Batches = 4;

    /// <summary>At the end of input, timers left beyond which the drain goes in rounds of stream time, each written before the next.</summary>
    public const int DefaultDrainRoundTimers = 64 * 1024;

    private readonly ReplayLane[] _lanes;
    private readonly BlockingCollection<ReplayBatch> _free = [];
    private readonly BlockingCollection<ReplayBatch> _toWrite = [];
    private readonly Stream _output;
    private readonly Thread _writer;
    private readonly CancellationTokenSource _stop;
    private readonly int[] _next;
    private readonly long[] _start;
    private readonly int _drainRoundTimers;
    private Exception? _failure;

    public LaneReplay(
        IReadOnlyList<IPendingStore> stores, Stream output, JoinOptions join, string startTopic, string endTopic, int drainRoundTimers, CancellationToken ct)
    {
        _drainRoundTimers = drainRoundTimers;
        _output = output;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _lanes = new ReplayLane[stores.Count];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new ReplayLane(i, stores[i], join, startTopic, endTopic, Fail, _stop.Token);
        }

        for (var i = 0; i < Batches; i++)
        {
            _free.Add(new ReplayBatch(_lanes.Length), CancellationToken.None);
        }

        _next = new int[_lanes.Length];
        _start = new long[_lanes.Length];
        _writer = new Thread(Write) { IsBackground = true, Name = "replay-writer" };
    }

    /// <summary>Rows written so far (read from any thread, for progress).</summary>
    public long Rows => _lanes.Sum(l => l.Counting.Rows);

    /// <summary>Error records written so far (read from any thread, for progress).</summary>
    public long Errors => _lanes.Sum(l => l.Counting.Errors);

    /// <summary>Runs the replay to the end of input; returns records read, records of other topics, malformed lines.</summary>
    public (long Records, long Other, long Malformed) Run(
        DumpMerge input, string startTopic, string endTopic, bool drain, Action<DumpReader>? onMalformedLine, IProgress<ReplayProgress>? progress)
    {
        foreach (var lane in _lanes)
        {
            lane.Start();
        }

        _writer.Start();
        var ct = _stop.Token;
        var clock = Stopwatch.StartNew();
        var nextReport = 1000L;
        long records = 0, now = long.MinValue;
        var halves = new DumpHalves(input, startTopic, endTopic, onMalformedLine);
        try
        {
            var batch = Take(records);
            while (halves.TryRead(out var side))
            {
                var reader = halves.Current;
                var lane = (int)(((reader.Partition % _lanes.Length) + _lanes.Length) % _lanes.Length);
                if (!batch.TryAdd(reader, side, lane))
                {
                    Dispatch(batch);
                    batch = Take(records);
                    batch.TryAdd(reader, side, lane);
                }

                now = Math.Max(now, reader.TimestampMillis);
                if ((++records & 1023) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                    if (progress is not null && clock.ElapsedMilliseconds >= nextReport)
                    {
                        nextReport = clock.ElapsedMilliseconds + 1000;
                        progress.Report(new ReplayProgress(records, Rows, Errors, clock.Elapsed));
                    }
                }
            }

            Dispatch(batch);
            if (drain)
            {
                Drain(batch, now, records);
            }

            foreach (var lane in _lanes)
            {
                lane.Complete();
            }

            _toWrite.CompleteAdding();
            foreach (var lane in _lanes)
            {
                lane.Join();
            }

            _writer.Join();
        }
        catch (OperationCanceledException) when (_failure is not null)
        {
        }
        catch (InvalidOperationException) when (_failure is not null)
        {
            // A collection completed by the failure's cancellation.
        }

        if (_failure is not null)
        {
            throw new InvalidOperationException($"The replay failed: {_failure.Message}", _failure);
        }

        return (records, halves.OtherTopics, halves.MalformedLines);
    }

    /// <summary>The counters of every lane's engine, added up.</summary>
    public JoinCounters Counters()
    {
        var total = new JoinCounters();
        foreach (var lane in _lanes)
        {
            total.Add(lane.Engine.Counters);
        }

        return total;
    }

    /// <summary>Error lines by reason over every lane.</summary>
    public Dictionary<string, long> ErrorsByReason()
    {
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (reason, count) in _lanes.SelectMany(l => l.Counting.ErrorsByReason))
        {
            total[reason] = total.GetValueOrDefault(reason) + count;
        }

        return total;
    }

    public void Dispose()
    {
        // Stopped threads first (a lane finishes at most its batch), so nothing touches what is disposed here.
        _stop.Cancel();
        foreach (var lane in _lanes)
        {
            lane.Join();
        }

        if (_writer.IsAlive)
        {
            _writer.Join();
        }

        foreach (var lane in _lanes)
        {
            lane.Dispose();
        }

        _free.Dispose();
        _toWrite.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Applies every remaining timeout: at once when few are left, otherwise in rounds of stream time (widened while they
    /// write little, narrowed when one writes much), so the lines of one round never hold the whole drain in memory.
    /// </summary>
    private void Drain(ReplayBatch last, long now, long records)
    {
        var ct = _stop.Token;
        var until = now;
        var width = 1000L;
        var round = last;
        while (true)
        {
            round.Done.Wait(ct);
            var timers = 0L;
            var lines = 0L;
            foreach (var slice in round.Slices)
            {
                timers += slice.PendingTimers;
                lines += slice.Count;
            }

            if (round != last)
            {
                width = lines < _drainRoundTimers / 2 ? width * 2 : lines > _drainRoundTimers ? Math.Max(1, width / 2) : width;
            }

            until = timers <= _drainRoundTimers || until > long.MaxValue - width ? long.MaxValue : until + width;
            round = Take(records);
            round.SetDrain(until);
            Dispatch(round);
            if (until == long.MaxValue)
            {
                return;
            }
        }
    }

    private ReplayBatch Take(long firstSequence)
    {
        var batch = _free.Take(_stop.Token);
        batch.Reset(firstSequence);
        return batch;
    }

    private void Dispatch(ReplayBatch batch)
    {
        _toWrite.Add(batch, _stop.Token);
        foreach (var lane in _lanes)
        {
            lane.Post(batch);
        }
    }

    private void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _failure, e, null);
        _stop.Cancel();
    }

    /// <summary>The writing thread: each batch, once every lane has processed it, merged into the output in order.</summary>
    private void Write()
    {
        try
        {
            foreach (var batch in _toWrite.GetConsumingEnumerable(_stop.Token))
            {
                batch.Done.Wait(_stop.Token);
                Merge(batch);
                _free.Add(batch, _stop.Token);
            }

            _output.Flush();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>Writes the lanes' lines of one batch in entry order, each run of one lane's consecutive entries at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Merge(ReplayBatch batch)
    {
        var slices = batch.Slices;
        Array.Clear(_next);
        Array.Clear(_start);
        while (true)
        {
            var best = -1;
            var second = -1;
            for (var lane = 0; lane < slices.Length; lane++)
            {
                if (_next[lane] >= slices[lane].Count)
                {
                    continue;
                }

                if (best < 0 || slices[lane].Entries[_next[lane]].Precedes(slices[best].Entries[_next[best]]))
                {
                    second = best;
                    best = lane;
                }
                else if (second < 0 || slices[lane].Entries[_next[lane]].Precedes(slices[second].Entries[_next[second]]))
                {
                    second = lane;
                }
            }

            if (best < 0)
            {
                return;
            }

            var entries = slices[best].Entries;
            var i = _next[best] + 1;
            if (second < 0)
            {
                i = entries.Length;
            }
            else
            {
                var bound = slices[second].Entries[_next[second]];
                while (i < entries.Length && entries[i].Precedes(bound))
                {
                    i++;
                }
            }

            var end = entries[i - 1].End;
            _output.Write(slices[best].Bytes[(int)_start[best]..(int)end]);
            _start[best] = end;
            _next[best] = i;
        }
    }
}
