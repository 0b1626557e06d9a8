namespace CallJoin.Replay.Engines;

/// <summary>The lines one lane wrote for one batch, with an <see cref="OutputEntry"/> per output call.</summary>
/// <remarks>Written by its lane, then read by the merge after the batch's <see cref="ReplayBatch.Done"/>; grows, never shrinks.</remarks>
internal sealed class LaneSlice
{
    private byte[] _bytes = new byte[1 << 20];
    private OutputEntry[] _entries = new OutputEntry[4096];

    /// <summary>The lines written.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes.AsSpan(0, Length);

    public int Length { get; private set; }

    /// <summary>One entry per output call, in the order the engine made them.</summary>
    public ReadOnlySpan<OutputEntry> Entries => _entries.AsSpan(0, Count);

    public int Count { get; private set; }

    /// <summary>Timers the lane's engine still holds after the batch (for the drain's pacing).</summary>
    public int PendingTimers { get; set; }

    /// <summary>Empties the slice for the next batch (keeping its arrays).</summary>
    public void Reset()
    {
        Length = 0;
        Count = 0;
    }

    /// <summary>Appends line bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (Length + bytes.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(Length + bytes.Length, 2 * _bytes.Length));
        }

        bytes.CopyTo(_bytes.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Appends an entry.</summary>
    public void Add(in OutputEntry entry)
    {
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, 2 * _entries.Length);
        }

        _entries[Count++] = entry;
    }
}
