namespace SlimCap.Reactive.Files;

/// <summary>
/// A fixed set of <see cref="PipeViewBlock"/>s. When all are leased, <see cref="Rent"/> waits for one to
/// come back (counted as a starvation): a slow consumer holds the reader back instead of growing memory.
/// </summary>
internal sealed class PipeViewBlockPool
{
    private readonly Stack<PipeViewBlock> _free;
    private readonly object _gate = new();
    private long _starvations;

    internal PipeViewBlockPool(int blockCount)
    {
        BlockCount = blockCount;
        _free = new Stack<PipeViewBlock>(blockCount);
        for (int i = 0; i < blockCount; i++) _free.Push(new PipeViewBlock(this));
    }

    /// <summary>Times a rent found every block leased.</summary>
    internal long Starvations => Interlocked.Read(ref _starvations);

    internal int BlockCount { get; }

    /// <summary>Blocks not leased right now.</summary>
    internal int FreeCount
    {
        get { lock (_gate) return _free.Count; }
    }

    /// <summary>Takes a free block, waiting while all are leased; null once <paramref name="shouldStop"/> says so.</summary>
    internal PipeViewBlock? Rent(Func<bool> shouldStop)
    {
        lock (_gate)
        {
            if (_free.Count == 0)
            {
                Interlocked.Increment(ref _starvations);
                while (_free.Count == 0)
                {
                    if (shouldStop()) return null;
                    Monitor.Wait(_gate, 10);
                }
            }
            return _free.Pop();
        }
    }

    internal void Return(PipeViewBlock block)
    {
        lock (_gate)
        {
            _free.Push(block);
            Monitor.Pulse(_gate);
        }
    }
}
