using System.Runtime.InteropServices;

namespace CallJoin.EmbeddedKafka;

/// <summary>Owns a librdkafka mock cluster and the client handle it was created on.</summary>
/// <remarks>
/// A <see cref="SafeHandle"/>, so a native call in flight keeps the cluster alive and a concurrent or repeated
/// dispose releases it exactly once, after the last such call returns. Release destroys the cluster (which joins
/// its thread and closes its listeners) and then the client, the order librdkafka requires.
/// </remarks>
internal sealed class MockClusterHandle : SafeHandle
{
    private readonly nint _client;

    public MockClusterHandle(nint client, nint cluster)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        _client = client;
        SetHandle(cluster);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibRdKafka.MockClusterDestroy(handle);
        LibRdKafka.Destroy(_client);
        return true;
    }
}
