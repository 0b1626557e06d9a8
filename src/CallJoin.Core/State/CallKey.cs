using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace CallJoin.Core.State;

/// <summary>
/// The join key (project_id, id) as a fixed 128-bit hash: blittable, so the state store and the timer wheel hold it
/// without allocation. The full project_id and id travel in the stored value, so a collision (odds ~2^-64 among
/// billions of keys) is detected on match rather than silently joining two calls.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct CallKey(ulong Low, ulong High)
{
    /// <summary>Hashes the UTF-8 project_id and id, separated so that ("ab","c") and ("a","bc") differ.</summary>
    public static CallKey From(ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id)
    {
        // One-shot hash over project_id \0 id: the incremental XxHash128 is a class, and this runs once per event.
        var length = projectId.Length + 1 + id.Length;
        byte[]? rented = null;
        var joined = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        projectId.CopyTo(joined);
        joined[projectId.Length] = 0;
        id.CopyTo(joined[(projectId.Length + 1)..]);
        var value = XxHash128.HashToUInt128(joined);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return new((ulong)value, (ulong)(value >> 64));
    }

    public override string ToString() => $"{High:x16}{Low:x16}";
}
