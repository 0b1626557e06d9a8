using System.Globalization;
using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Core.Tests.Join;

/// <summary>A generated half: what the test knows about it, and the upstream-shaped JSON the engine receives.</summary>
internal sealed record HalfEvent(
    CallSide Side, string Project, string Id, int Variant, long PayloadMicros, long Timestamp, SourcePosition Position, string? Malformed = null)
{
    private static readonly DateTime Epoch = DateTime.UnixEpoch;

    public string Json => Malformed ?? (Side == CallSide.Start
        ? $$$"""{"project_id":"{{{Project}}}","id":"{{{Id}}}","op_name":"weave:///e/p/op/f:v","trace_id":"t-{{{Id}}}","started_at":"{{{Iso(PayloadMicros)}}}","attributes":{},"inputs":{"v":{{{Variant}}}}}"""
        : $$$"""{"project_id":"{{{Project}}}","id":"{{{Id}}}","ended_at":"{{{Iso(PayloadMicros)}}}","output":{"v":{{{Variant}}}},"summary":{}}""");

    public byte[] Payload => Encoding.UTF8.GetBytes(Json);

    public (string, string) Key => (Project, Id);

    public static string Iso(long micros) =>
        Epoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
