using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>The fixed set of a file source's record batches (see <see cref="StoragePool{T}"/>).</summary>
internal sealed class FileBatchPool(int blockCount) : StoragePool<FileBatch>(blockCount, pool => new FileBatch(pool));
