using System.Text;

namespace CallJoin.Dumps;

/// <summary>A few strings (topic names, timestamp types, header names) keyed by their UTF-8 bytes, so a repeated name is not allocated again.</summary>
/// <remarks>Not thread-safe. Linear search over at most <c>capacity</c> entries; when full, entries are replaced in turn.</remarks>
internal sealed class Utf8StringCache(int capacity)
{
    private readonly byte[][] _keys = new byte[capacity][];
    private readonly string[] _values = new string[capacity];
    private int _count;
    private int _replace;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        for (var i = 0; i < _count; i++)
        {
            if (utf8.SequenceEqual(_keys[i]))
            {
                return _values[i];
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        int slot;
        if (_count < _keys.Length)
        {
            slot = _count++;
        }
        else
        {
            slot = _replace;
            _replace = (_replace + 1) % _keys.Length;
        }

        _keys[slot] = utf8.ToArray();
        _values[slot] = value;
        return value;
    }
}
