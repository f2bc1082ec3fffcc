using System.Buffers;

namespace SlimCap.Reactive.Files;

/// <summary>
/// The <see cref="MemoryPool{T}"/> behind a file source's pipe. Its buffers are <see cref="PipeBuffer"/>s,
/// so a block can keep the buffer a record lies in after the pipe has moved on. The pool keeps at most a
/// fixed number of free buffers; how many are in use is bounded by the leased blocks viewing them.
/// </summary>
internal sealed class PipeBufferPool : MemoryPool<byte>
{
    private readonly int _bufferSize;
    private readonly int _maxFree;
    private readonly Stack<PipeBuffer> _free = new();
    private readonly object _gate = new();

    internal PipeBufferPool(int bufferSize, int maxFree)
    {
        _bufferSize = bufferSize;
        _maxFree = maxFree;
    }

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        PipeBuffer? buffer = null;
        if (minBufferSize > _bufferSize)
        {
            buffer = new PipeBuffer(null, minBufferSize); // rare: not pooled
        }
        else
        {
            lock (_gate) _free.TryPop(out buffer);
            buffer ??= new PipeBuffer(this, _bufferSize);
        }
        buffer.Lease();
        return buffer;
    }

    internal void Return(PipeBuffer buffer)
    {
        lock (_gate)
        {
            if (_free.Count < _maxFree) _free.Push(buffer);
        }
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate) _free.Clear();
    }
}
