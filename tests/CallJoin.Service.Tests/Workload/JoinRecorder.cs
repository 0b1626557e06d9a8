using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Workload;

/// <summary>Runs a workload through the real join engine (in-memory store) and keeps what it wrote, as the tables would hold it.</summary>
internal sealed class JoinRecorder : IJoinOutput
{
    /// <summary>Every row written: (project_id, id, started_at) as the table's key, its version, and whether it is complete.</summary>
    public List<(string Key, long CreatedAt, bool Complete)> Rows { get; } = [];

    /// <summary>Every error record's reason.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Complete rows with at least one input ref / output ref, and with an exception.</summary>
    public int RowsWithInputRefs { get; private set; }

    public int RowsWithOutputRefs { get; private set; }

    public int RowsWithException { get; private set; }

    /// <summary>Feeds every event in publish order (offsets counted per topic), then drains the engine.</summary>
    public static (JoinRecorder Output, JoinCounters Counters) Run(WeaveWorkload workload, JoinOptions? options = null) =>
        Run(workload.Events(), options);

    /// <summary>Feeds the events in the given order, then drains the engine.</summary>
    public static (JoinRecorder Output, JoinCounters Counters) Run(IEnumerable<WorkloadEvent> events, JoinOptions? options = null)
    {
        var output = new JoinRecorder();
        var engine = new JoinEngine<JoinRecorder>(new InMemoryPendingStore(), options ?? new JoinOptions(), output);
        long startOffset = 0;
        long endOffset = 0;
        foreach (var e in events)
        {
            var position = new SourcePosition(0, e.Side == CallSide.Start ? startOffset++ : endOffset++);
            engine.Process(e.Side, e.Payload, position, e.TimestampMillis);
        }

        engine.Drain();
        return (output, engine.Counters);
    }

    /// <summary>What calls_complete FINAL shows: per key, the row with the highest version.</summary>
    public List<(string Key, long CreatedAt, bool Complete)> Final() =>
        [.. Rows.GroupBy(r => r.Key).Select(g => g.MaxBy(r => r.CreatedAt))];

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        var key = $"{Encoding.UTF8.GetString(row.ProjectId)}/{Encoding.UTF8.GetString(row.Id)}/{row.StartedAtMicros}";
        var complete = row.EndedAtMicros != 0;
        Rows.Add((key, createdAtMillis, complete));
        if (complete)
        {
            RowsWithInputRefs += row.InputRefs.Count > 0 ? 1 : 0;
            RowsWithOutputRefs += row.OutputRefs.Count > 0 ? 1 : 0;
            RowsWithException += row.Exception.IsEmpty ? 0 : 1;
        }
    }

    public void OnError(in JoinError error) => Errors.Add(error.Reason);

    public void OnReleased(CallSide side, SourcePosition position)
    {
    }
}
