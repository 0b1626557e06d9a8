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
        var hash = new XxHash128();
        hash.Append(projectId);
        hash.Append([0]);
        hash.Append(id);
        var value = hash.GetCurrentHashAsUInt128();
        return new((ulong)value, (ulong)(value >> 64));
    }

    public override string ToString() => $"{High:x16}{Low:x16}";
}
