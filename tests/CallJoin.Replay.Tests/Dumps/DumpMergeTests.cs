using System.Text;
using CallJoin.Dumps;

namespace CallJoin.Replay.Tests.Dumps;

/// <summary>The k-way merge: by record time, ties by reader order, each reader's own order kept, malformed lines surfaced.</summary>
public sealed class DumpMergeTests
{
    [Fact]
    public void Records_come_by_time_then_reader_order_and_each_reader_keeps_its_file_order()
    {
        using var merge = new DumpMerge(
        [
            Dump("a", "10:a1", "30:a2", "20:a3", "40:a4"),   // goes back in time: a3 still comes after a2
            Dump("b", "10:b1", "25:b2", "bad line", "50:b3"),
            Dump("c"),
            Dump("d", "5:d1", "30:d2"),
        ]);

        var seen = new List<string>();
        DumpReadResult result;
        while ((result = merge.Read()) != DumpReadResult.End)
        {
            var current = merge.Current;
            seen.Add(result == DumpReadResult.Record
                ? Encoding.UTF8.GetString(current.Payload)
                : $"malformed {current.Name}:{current.LineNumber}");
        }

        Assert.Equal(["d1", "a1", "b1", "b2", "malformed b:3", "a2", "a3", "d2", "a4", "b3"], seen);
        Assert.Equal(9, merge.Records);
        Assert.Equal(1, merge.MalformedLines);
        Assert.Equal(DumpReadResult.End, merge.Read());
    }

    [Fact]
    public void A_malformed_first_line_is_surfaced_before_any_record()
    {
        using var merge = new DumpMerge([Dump("a", "1:a1"), Dump("b", "{", "0:b1")]);
        Assert.Equal(DumpReadResult.Malformed, merge.Read());
        Assert.Equal("b", merge.Current.Name);
        Assert.Contains("b, line 1", merge.Current.Error, StringComparison.Ordinal);
        Assert.Equal(DumpReadResult.Record, merge.Read());
        Assert.Equal("b1", Encoding.UTF8.GetString(merge.Current.Payload));
        Assert.Equal(DumpReadResult.Record, merge.Read());
        Assert.Equal("a1", Encoding.UTF8.GetString(merge.Current.Payload));
        Assert.Equal(DumpReadResult.End, merge.Read());
    }

    [Fact]
    public void No_readers_is_an_empty_merge_and_current_before_reading_throws()
    {
        using var merge = new DumpMerge([]);
        Assert.Throws<InvalidOperationException>(() => merge.Current);
        Assert.Equal(DumpReadResult.End, merge.Read());
    }

    [Fact]
    public void Disposing_the_merge_disposes_its_readers()
    {
        var reader = Dump("a", "1:a1");
        new DumpMerge([reader]).Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.Read());
    }

    /// <summary>A dump named <paramref name="name"/>: "ts:payload" entries become records, anything else a line as is.</summary>
    private static DumpReader Dump(string name, params string[] entries)
    {
        var lines = entries.Select((e, i) => e.Split(':') is [var ts, var payload] && long.TryParse(ts, out var millis)
            ? $$"""{"topic":"{{name}}","partition":0,"offset":{{i}},"tstype":"create","ts":{{millis}},"broker":1,"key":null,"payload":"{{payload}}"}"""
            : e);
        return DumpText.Reader(string.Join("\n", lines) + "\n", name: name);
    }
}
