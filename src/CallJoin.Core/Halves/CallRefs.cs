using System.IO.Hashing;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// The refs found in a call's inputs or output (calls_complete's input_refs / output_refs): distinct, in the order
/// first found. Reused across rows; valid until the owning <see cref="CallRowData"/> is rebuilt.
/// </summary>
public sealed class CallRefs
{
    private const int LinearLimit = 8;

    private readonly ByteBuffer _text = new(256);
    private int[] _starts = new int[8];
    private int[] _lengths = new int[8];
    private ulong[] _hashes = new ulong[8];
    private int[] _table = [];
    private int _count;
    private bool _tableLive;

    /// <summary>How many refs.</summary>
    public int Count => _count;

    /// <summary>The ref at <paramref name="index"/>, as UTF-8.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            return _text.Written.Slice(_starts[index], _lengths[index]);
        }
    }

    internal void Clear()
    {
        _tableLive = false;
        _count = 0;
        _text.Clear();
    }

    /// <summary>Adds the ref unless it is already there.</summary>
    internal void Add(ReadOnlySpan<byte> value)
    {
        ulong hash = XxHash3.HashToUInt64(value);
        if (_count < LinearLimit)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_hashes[i] == hash && this[i].SequenceEqual(value))
                {
                    return;
                }
            }
        }
        else
        {
            if (!_tableLive)
            {
                Rehash(Math.Max(32, _table.Length));
                _tableLive = true;
            }
            else if ((_count + 1) * 2 > _table.Length)
            {
                Rehash(_table.Length * 2);
            }

            int mask = _table.Length - 1;
            for (int slot = (int)hash & mask; ; slot = (slot + 1) & mask)
            {
                int entry = _table[slot] - 1;
                if (entry < 0)
                {
                    _table[slot] = _count + 1;
                    break;
                }

                if (_hashes[entry] == hash && this[entry].SequenceEqual(value))
                {
                    return;
                }
            }
        }

        if (_count == _starts.Length)
        {
            Array.Resize(ref _starts, _count * 2);
            Array.Resize(ref _lengths, _count * 2);
            Array.Resize(ref _hashes, _count * 2);
        }

        _starts[_count] = _text.Length;
        _lengths[_count] = value.Length;
        _hashes[_count] = hash;
        _text.Append(value);
        _count++;
    }

    private void Rehash(int size)
    {
        if (_table.Length < size)
        {
            _table = new int[size];
        }
        else
        {
            Array.Clear(_table);
        }

        int mask = _table.Length - 1;
        for (int i = 0; i < _count; i++)
        {
            int slot = (int)_hashes[i] & mask;
            while (_table[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _table[slot] = i + 1;
        }
    }
}
