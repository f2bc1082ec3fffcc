using System.Runtime.Versioning;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// A packet socket's ring as the kernel maps it (mmap of the socket). The mapping keeps a reference on the socket
/// until it is retired: replaced by read-only zero pages, which drops the kernel's ring from this process so that
/// closing the socket frees it, while spans kept past their leases still read (zeros).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class MappedRingMemory : RingMemory
{
    private readonly FileDescriptorHandle _socket;

    private MappedRingMemory(byte* address, nuint length, FileDescriptorHandle socket) : base(address, length) => _socket = socket;

    /// <summary>Maps the socket's ring of <paramref name="length"/> bytes.</summary>
    public static MappedRingMemory Map(FileDescriptorHandle socket, nuint length, string interfaceName)
    {
        byte* address = RingAddressSpace.MapSocket(socket, length, interfaceName);
        bool added = false;
        socket.DangerousAddRef(ref added);
        return new MappedRingMemory(address, length, socket);
    }

    /// <inheritdoc/>
    public override bool IsKernelMapping => true;

    protected override bool ReleaseHandle()
    {
        RingAddressSpace.Retire(Address, Length);
        _socket.DangerousRelease();
        return true;
    }
}
