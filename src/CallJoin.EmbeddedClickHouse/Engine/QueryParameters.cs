using System.Runtime.InteropServices;
using System.Text;

namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>The <c>{name:Type}</c> values of one statement (the HTTP interface's <c>param_name=value</c>).</summary>
internal readonly struct QueryParameters
{
    private readonly List<KeyValuePair<string, string>>? _values;

    public QueryParameters(List<KeyValuePair<string, string>> values) => _values = values;

    public int Count => _values?.Count ?? 0;

    /// <summary>Copies names and values into native memory laid out as chDB's parallel arrays.</summary>
    public unsafe Pinned Pin()
    {
        if (Count == 0)
        {
            return default;
        }

        var values = _values!;
        var bytes = 0;
        foreach (var (name, value) in values)
        {
            bytes += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
        }

        var n = values.Count;
        var block = (byte*)NativeMemory.Alloc((nuint)(bytes + (n * 4 * sizeof(nint))));
        var names = (byte**)(block + bytes);
        var nameLengths = (nuint*)(names + n);
        var valueTexts = (byte**)(nameLengths + n);
        var valueLengths = (nuint*)(valueTexts + n);
        var cursor = block;
        for (var i = 0; i < n; i++)
        {
            names[i] = cursor;
            nameLengths[i] = (nuint)Encoding.UTF8.GetBytes(values[i].Key, new Span<byte>(cursor, bytes));
            cursor += (int)nameLengths[i];
            valueTexts[i] = cursor;
            valueLengths[i] = (nuint)Encoding.UTF8.GetBytes(values[i].Value, new Span<byte>(cursor, bytes));
            cursor += (int)valueLengths[i];
        }

        return new Pinned(block, n, names, nameLengths, valueTexts, valueLengths);
    }

    /// <summary>Native copies of the parameters, valid until disposed.</summary>
    public readonly unsafe struct Pinned(byte* block, int count, byte** names, nuint* nameLengths, byte** values, nuint* valueLengths) : IDisposable
    {
        public int Count => count;

        public byte** Names => names;

        public nuint* NameLengths => nameLengths;

        public byte** Values => values;

        public nuint* ValueLengths => valueLengths;

        public void Dispose()
        {
            if (block != null)
            {
                NativeMemory.Free(block);
            }
        }
    }
}
