using System.IO.Hashing;
using System.Text;

namespace CallJoin.Routing;

/// <summary>
/// A project's place in the percentage rollout: CRC-32 (IEEE, as Python's <c>zlib.crc32</c>) of the UTF-8 project id,
/// modulo 100. Stable across restarts, instances and languages, so the trace server can compute the same bucket.
/// </summary>
public static class RolloutBucket
{
    /// <summary>The bucket, 0–99.</summary>
    public static int Of(string projectId)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        return (int)(Crc32.HashToUInt32(Encoding.UTF8.GetBytes(projectId)) % 100);
    }

    /// <summary>Whether a project takes part at <paramref name="percent"/>.</summary>
    public static bool IsIn(string projectId, int percent) => percent >= 100 || (percent > 0 && Of(projectId) < percent);
}
