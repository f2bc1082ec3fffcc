using System.Runtime.InteropServices;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// The ring's memory: a kernel mapping of a packet socket, or an anonymous mapping for a ring image. Reference counted
/// through SafeHandle: the source holds one reference, a reader inside a wait holds one, and so does every write the
/// library makes into the ring (a block handed back, an image being filled). When the last is done the range is not
/// unmapped but replaced by read-only zero pages (<see cref="RingAddressSpace"/>): spans and memory that consumers kept
/// past their leases still point at readable memory, and the kernel's ring is freed once the socket closes.
/// </summary>
internal sealed unsafe class RingMemory : SafeHandle
{
    private readonly nuint _length;
    private readonly FileDescriptorHandle? _socket;

    private RingMemory(byte* address, nuint length, FileDescriptorHandle? socket) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle((IntPtr)address);
        _length = length;
        _socket = socket;
    }

    /// <summary>Maps the socket's ring. The mapping keeps a reference on the socket until it is retired.</summary>
    public static RingMemory MapSocket(FileDescriptorHandle socket, nuint length, string interfaceName)
    {
        byte* address = RingAddressSpace.MapSocket(socket, length, interfaceName);
        bool added = false;
        socket.DangerousAddRef(ref added);
        return new RingMemory(address, length, socket);
    }

    /// <summary>Maps a zeroed, page-aligned image.</summary>
    public static RingMemory AllocateImage(nuint length) => new(RingAddressSpace.MapAnonymous(length), length, null);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public byte* Address => (byte*)handle;

    public nuint Length => _length;

    public bool IsKernelMapping => _socket is not null;

    /// <summary>Takes a reference; false once the memory is being retired.</summary>
    public bool TryAddRef()
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        return added;
    }

    protected override bool ReleaseHandle()
    {
        RingAddressSpace.Retire((byte*)handle, _length);
        _socket?.DangerousRelease();
        return true;
    }
}
