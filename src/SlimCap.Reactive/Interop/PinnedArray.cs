using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Interop;

/// <summary>Pointers into arrays allocated on the pinned object heap, which never move, so no GCHandle is needed.</summary>
internal static unsafe class PinnedArray
{
    /// <summary>A <see cref="MemoryHandle"/> at <paramref name="index"/> of <paramref name="pinned"/> (allocated with
    /// <c>GC.AllocateArray(…, pinned: true)</c>): what <see cref="MemoryManager{T}.Pin"/> hands out, at no cost.</summary>
    public static MemoryHandle Handle(byte[] pinned, int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)index, (uint)pinned.Length, nameof(index));
        return new((byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned)) + index);
    }
}
