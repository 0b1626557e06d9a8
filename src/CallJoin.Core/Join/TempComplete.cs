using CallJoin.Core.Halves;

namespace CallJoin.Core.Join;

internal static class TempComplete
{
    public static HalfParseStatus Complete(this CallRowBuilder builder, CallRowData running, ReadOnlySpan<byte> end, CallRowData row) =>
        throw new NotImplementedException();
}
