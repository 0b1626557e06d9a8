using CallJoin.Core.Halves;
using CallJoin.Dumps;

namespace CallJoin.Replay;

/// <summary>
/// The merged dumps as a replay reads them: the records of the start and end topics, in merged order, with records of
/// other topics and lines that are not records counted and skipped.
/// </summary>
/// <param name="input">The dumps, merged.</param>
/// <param name="startTopic">Records of this topic are starts.</param>
/// <param name="endTopic">Records of this topic are ends.</param>
/// <param name="onMalformedLine">Told of every dump line that is not a record.</param>
internal sealed class DumpHalves(DumpMerge input, string startTopic, string endTopic, Action<DumpReader>? onMalformedLine)
{
    /// <summary>Records of other topics skipped.</summary>
    public long OtherTopics { get; private set; }

    /// <summary>Dump lines that were not records.</summary>
    public long MalformedLines { get; private set; }

    /// <summary>The reader positioned on the record <see cref="TryRead"/> last returned.</summary>
    public DumpReader Current => input.Current;

    /// <summary>Moves to the next start or end record; false at the end of input.</summary>
    public bool TryRead(out CallSide side)
    {
        while (true)
        {
            var result = input.Read();
            if (result == DumpReadResult.End)
            {
                side = default;
                return false;
            }

            var reader = input.Current;
            if (result == DumpReadResult.Malformed)
            {
                MalformedLines++;
                onMalformedLine?.Invoke(reader);
            }
            else if (string.Equals(reader.Topic, startTopic, StringComparison.Ordinal))
            {
                side = CallSide.Start;
                return true;
            }
            else if (string.Equals(reader.Topic, endTopic, StringComparison.Ordinal))
            {
                side = CallSide.End;
                return true;
            }
            else
            {
                OtherTopics++;
            }
        }
    }
}
