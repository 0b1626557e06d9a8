using CallJoin.ClickHouse.Sink;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>A sink mark that only carries a value to recognise it by in the acks.</summary>
internal sealed record NamedMark(object Name) : IDurabilityMark
{
    public void OnDurable()
    {
    }

    /// <summary>The names of <paramref name="marks"/>, in order.</summary>
    public static IEnumerable<object> Names(IEnumerable<IDurabilityMark> marks) => marks.Select(m => ((NamedMark)m).Name);
}
