using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>The fixed set of a socket source's batch buffers (see <see cref="StoragePool{T}"/>).</summary>
internal sealed class SocketBatchPool : StoragePool<SocketBatch>
{
    internal SocketBatchPool(int blockCount, int blockSize)
        : base(blockCount, pool => new SocketBatch(pool, Checked(blockSize)))
    {
        BlockSize = blockSize;
    }

    internal int BlockSize { get; }

    private static int Checked(int blockSize) =>
        blockSize >= SocketBatch.HeaderSize + 64 ? blockSize : throw new ArgumentOutOfRangeException(nameof(blockSize));
}
