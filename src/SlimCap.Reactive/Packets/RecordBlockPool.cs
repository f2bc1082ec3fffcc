namespace SlimCap.Reactive;

/// <summary>
/// A fixed set of <see cref="RecordBlock"/>s. The set never grows: when every block is leased,
/// <see cref="Rent"/> waits for one to come back, so a slow consumer bounds memory instead of
/// growing it (the wait is counted as a starvation).
/// </summary>
internal sealed class RecordBlockPool
{
    private readonly Stack<RecordBlock> _free;
    private readonly object _gate = new();
    private long _starvations;

    internal RecordBlockPool(int blockCount, int blockSize)
    {
        if (blockCount < 1) throw new ArgumentOutOfRangeException(nameof(blockCount));
        if (blockSize < RecordBlock.HeaderSize + 64) throw new ArgumentOutOfRangeException(nameof(blockSize));
        _free = new Stack<RecordBlock>(blockCount);
        for (int i = 0; i < blockCount; i++) _free.Push(new RecordBlock(this, blockSize));
        BlockCount = blockCount;
        BlockSize = blockSize;
    }

    internal int BlockCount { get; }

    internal int BlockSize { get; }

    /// <summary>Times a rent found every block leased.</summary>
    internal long Starvations => Interlocked.Read(ref _starvations);

    internal int FreeCount
    {
        get { lock (_gate) return _free.Count; }
    }

    /// <summary>Takes a free block, or null when all are leased.</summary>
    internal RecordBlock? TryRent()
    {
        lock (_gate)
        {
            if (_free.Count == 0) return null;
            RecordBlock block = _free.Pop();
            block.Reset();
            return block;
        }
    }

    /// <summary>
    /// Takes a free block, waiting while all are leased. Returns null when <paramref name="shouldStop"/>
    /// says so (checked at least every <paramref name="pollMilliseconds"/>).
    /// </summary>
    internal RecordBlock? Rent(Func<bool> shouldStop, int pollMilliseconds = 10)
    {
        RecordBlock? block = TryRent();
        if (block is not null) return block;
        Interlocked.Increment(ref _starvations);
        lock (_gate)
        {
            while (_free.Count == 0)
            {
                if (shouldStop()) return null;
                Monitor.Wait(_gate, pollMilliseconds);
            }
            block = _free.Pop();
        }
        block.Reset();
        return block;
    }

    internal void Return(RecordBlock block)
    {
        lock (_gate)
        {
            _free.Push(block);
            Monitor.Pulse(_gate);
        }
    }
}
