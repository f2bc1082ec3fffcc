using System.Runtime.Versioning;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// A packet socket's ring as the kernel maps it (mmap of the socket). The mapping keeps a reference on the
/// socket until it is unmapped, so the socket outlives every block still leased from it.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class MappedRingMemory : RingMemory
{
    private readonly FileDescriptorHandle _socket;

    private MappedRingMemory(byte* address, nuint length, FileDescriptorHandle socket) : base(address, length) => _socket = socket;

    /// <summary>Maps the socket's ring of <paramref name="length"/> bytes.</summary>
    public static MappedRingMemory Map(FileDescriptorHandle socket, nuint length, string interfaceName)
    {
        byte* address = Syscalls.MapShared(socket, length, interfaceName);
        bool added = false;
        socket.DangerousAddRef(ref added);
        return new MappedRingMemory(address, length, socket);
    }

    /// <inheritdoc/>
    public override bool IsKernelMapping => true;

    protected override bool ReleaseHandle()
    {
        Syscalls.Unmap(Address, Length);
        _socket.DangerousRelease();
        return true;
    }
}
