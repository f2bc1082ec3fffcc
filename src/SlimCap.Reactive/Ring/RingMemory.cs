using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// The ring's memory: a heap image (any OS), or a kernel mapping of a packet socket
/// (<see cref="MappedRingMemory"/>, Linux). Reference counted through SafeHandle: the source holds one
/// reference, a reader inside a wait holds one, and every leased block holds one, so the memory is freed
/// or unmapped only after the last of them is done. That is what makes a read after Close, or a block
/// disposed after its source, safe.
/// </summary>
internal unsafe class RingMemory : SafeHandle
{
    private readonly nuint _length;

    private protected RingMemory(byte* address, nuint length) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle((IntPtr)address);
        _length = length;
    }

    /// <summary>Allocates a zeroed, page-aligned heap image.</summary>
    public static RingMemory AllocateImage(nuint length)
    {
        byte* address = (byte*)NativeMemory.AlignedAlloc(length, 4096);
        NativeMemory.Clear(address, length);
        return new RingMemory(address, length);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public byte* Address => (byte*)handle;

    public nuint Length => _length;

    /// <summary>True for the kernel's mapping of a socket ring, false for a heap image.</summary>
    public virtual bool IsKernelMapping => false;

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
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
