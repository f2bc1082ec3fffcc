using System.Buffers;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Files;

/// <summary>
/// One buffer the file pipe reads into, shared by reference count between the pipe (one reference per
/// rent, given back when the pipe is done with the segment) and every <see cref="FileBatch"/> that
/// views records in it. It goes back to its <see cref="PipeBufferPool"/> when the last holder lets go,
/// so a record stays readable for as long as a lease on its block lives, and never longer.
/// </summary>
internal sealed class PipeBuffer : MemoryManager<byte>
{
    private readonly PipeBufferPool? _pool;
    private readonly byte[] _array;
    private int _references;

    internal PipeBuffer(PipeBufferPool? pool, int size)
    {
        _pool = pool;
        // Pinned, so Pin is free and spans stay valid without handles.
        _array = GC.AllocateUninitializedArray<byte>(size, pinned: true);
    }

    internal byte[] Array => _array;

    /// <summary>Starts a rent: the pipe holds the only reference.</summary>
    internal void Lease() => Volatile.Write(ref _references, 1);

    /// <summary>A block starts viewing this buffer.</summary>
    internal void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>A holder (the pipe or a block) is done with the buffer.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) _pool?.Return(this);
    }

    public override Span<byte> GetSpan() => _array;

    public override MemoryHandle Pin(int elementIndex = 0) => PinnedArray.Handle(_array, elementIndex);

    public override void Unpin() { }

    /// <summary>The pipe gives its segment back (once per rent).</summary>
    protected override void Dispose(bool disposing) => Release();
}
