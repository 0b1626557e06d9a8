namespace CallJoin.Dumps;

/// <summary>Merges several dumps into one sequence by record time: a k-way merge of their readers.</summary>
/// <remarks>
/// <para>
/// Each step gives the record with the lowest (<see cref="DumpReader.TimestampMillis"/>, reader index) among the readers'
/// next records. A reader's records are always taken in its file order, even where its timestamps go back (each reader
/// has one record in the merge at a time), so a dump recorded per partition keeps partition order. Records without a
/// timestamp count as -1 (first). Malformed lines are surfaced as they are met, with <see cref="Current"/> on their reader.
/// </para>
/// <para>
/// Memory is bounded by the readers' buffers. Allocates nothing per record. Not thread-safe. Owns and disposes the readers.
/// </para>
/// </remarks>
public sealed class DumpMerge : IDisposable
{
    private readonly DumpReader[] _readers;
    private readonly PriorityQueue<int, (long Timestamp, int Reader)> _next;
    private int _primed;
    private int _advance = -1;
    private DumpReader? _current;

    /// <summary>Merges <paramref name="readers"/>, which it owns; their order breaks timestamp ties.</summary>
    public DumpMerge(IReadOnlyList<DumpReader> readers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _readers = [.. readers];
        foreach (var reader in _readers)
        {
            ArgumentNullException.ThrowIfNull(reader, nameof(readers));
        }

        _next = new(_readers.Length);
    }

    /// <summary>The readers, in tie-break order.</summary>
    public IReadOnlyList<DumpReader> Readers => _readers;

    /// <summary>The reader holding the current record or malformed line (its fields and <see cref="DumpReader.Error"/>).</summary>
    /// <exception cref="InvalidOperationException">Nothing was read yet.</exception>
    public DumpReader Current => _current ?? throw new InvalidOperationException("Read has not returned a record or malformed line yet.");

    /// <summary>Records given so far across all readers.</summary>
    public long Records { get; private set; }

    /// <summary>Malformed lines met so far across all readers.</summary>
    public long MalformedLines { get; private set; }

    /// <summary>Moves to the next record in time order, or to a malformed line met on the way.</summary>
    public DumpReadResult Read()
    {
        while (_primed < _readers.Length)
        {
            if (Advance(_primed) == DumpReadResult.Malformed)
            {
                return DumpReadResult.Malformed;
            }

            _primed++;
        }

        if (_advance >= 0)
        {
            if (Advance(_advance) == DumpReadResult.Malformed)
            {
                return DumpReadResult.Malformed;
            }

            _advance = -1;
        }

        if (!_next.TryDequeue(out var index, out _))
        {
            return DumpReadResult.End;
        }

        _advance = index;
        _current = _readers[index];
        Records++;
        return DumpReadResult.Record;
    }

    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }
    }

    private DumpReadResult Advance(int index)
    {
        var reader = _readers[index];
        var result = reader.Read();
        if (result == DumpReadResult.Record)
        {
            _next.Enqueue(index, (reader.TimestampMillis, index));
        }
        else if (result == DumpReadResult.Malformed)
        {
            _current = reader;
            MalformedLines++;
        }

        return result;
    }
}
