using System.Runtime.InteropServices;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// The ring's memory: a kernel mapping of a packet socket, or a heap image for tests. Reference
/// counted through SafeHandle: the source holds one reference, a reader inside a wait holds one,
/// and every leased block holds one, so the memory is unmapped only after the last of them is done.
/// That is what makes a read after Close, or a block disposed after its source, safe.
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

    /// <summary>Maps the socket's ring. The mapping keeps a reference on the socket until it is unmapped.</summary>
    public static RingMemory MapSocket(FileDescriptorHandle socket, nuint length, string interfaceName)
    {
        byte* address = Syscalls.MapShared(socket, length, interfaceName);
        bool added = false;
        socket.DangerousAddRef(ref added);
        return new RingMemory(address, length, socket);
    }

    /// <summary>Allocates a zeroed, page-aligned heap image.</summary>
    public static RingMemory AllocateImage(nuint length)
    {
        byte* address = (byte*)NativeMemory.AlignedAlloc(length, 4096);
        NativeMemory.Clear(address, length);
        return new RingMemory(address, length, null);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public byte* Address => (byte*)handle;

    public nuint Length => _length;

    public bool IsKernelMapping => _socket is not null;

    /// <summary>Takes a reference; false once the memory is being released.</summary>
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
        if (_socket is not null)
        {
            Syscalls.Unmap((byte*)handle, _length);
            _socket.DangerousRelease();
        }
        else
        {
            NativeMemory.AlignedFree((void*)handle);
        }
        return true;
    }
}
