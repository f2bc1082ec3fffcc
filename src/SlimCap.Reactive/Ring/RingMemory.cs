using System.Runtime.CompilerServices;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// The ring's memory: an image in process memory (any OS), or a kernel mapping of a packet socket
/// (<see cref="MappedRingMemory"/>, Linux). Reference counted through SafeHandle: the source holds one reference, a
/// reader inside a wait holds one, and so does every write the library makes into the ring (a block handed back, an
/// image being filled). When the last is done the memory is not freed but retired (<see cref="RingAddressSpace"/>): on
/// Linux replaced by read-only zero pages, elsewhere cleared and kept for the next image, so spans and memory that
/// consumers kept past their leases still point at readable memory.
/// </summary>
internal unsafe class RingMemory : System.Runtime.InteropServices.SafeHandle
{
    private readonly nuint _length;

    private protected RingMemory(byte* address, nuint length) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle((IntPtr)address);
        _length = length;
    }

    /// <summary>A zeroed, page-aligned image.</summary>
    public static RingMemory AllocateImage(nuint length) => new(RingAddressSpace.MapImage(length), length);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public byte* Address => (byte*)handle;

    public nuint Length => _length;

    /// <summary>True for the kernel's mapping of a socket ring, false for an image.</summary>
    public virtual bool IsKernelMapping => false;

    /// <summary>Takes a reference; false once the memory is being retired.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        RingAddressSpace.RetireImage((byte*)handle, _length);
        return true;
    }
}
