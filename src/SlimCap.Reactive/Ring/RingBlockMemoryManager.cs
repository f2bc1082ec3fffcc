using System.Buffers;

namespace SlimCap.Reactive.Ring;

/// <summary>Exposes one ring block as <see cref="Memory{T}"/>; one per slot, made once.</summary>
internal sealed unsafe class RingBlockMemoryManager : MemoryManager<byte>
{
    private readonly byte* _address;
    private readonly int _length;

    public RingBlockMemoryManager(byte* address, int length)
    {
        _address = address;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_address, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_address + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
