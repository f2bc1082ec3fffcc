using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Capture;

/// <summary>Options of <see cref="RingSource"/>: the shared ones plus the ring's geometry.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share between sources.</remarks>
public sealed record class RingOptions : CaptureOptions
{
    /// <summary>The default block size, 1 MiB (slimcap's).</summary>
    public const int DefaultBlockSize = 1 << 20;

    /// <summary>The default number of blocks, 4 (slimcap's).</summary>
    public const int DefaultBlockCount = 4;

    /// <summary>Largest <see cref="BlockCount"/>: 65536 blocks (the reader keeps a lease object per block).</summary>
    public const int MaxBlockCount = 1 << 16;

    /// <summary>Size of one ring block in bytes; rounded up to a whole number of pages. Defaults to 1 MiB.</summary>
    public int BlockSize { get; init; } = DefaultBlockSize;

    /// <summary>Number of blocks in the ring. Defaults to 4, so the ring holds 4 MiB; 1 to <see cref="MaxBlockCount"/>, the ring at most 64 GiB and half the available memory.</summary>
    public int BlockCount { get; init; } = DefaultBlockCount;

    /// <summary>
    /// How long the kernel waits before handing over a block that is not full (tp_retire_blk_tov):
    /// the longest a packet waits in a quiet ring. Defaults to 100 ms (slimcap's fixed value).
    /// </summary>
    public TimeSpan BlockTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Join a PACKET_FANOUT group, so that the kernel spreads the interface's packets over the group's rings; null
    /// (the default) for a ring of its own that sees every packet. See <see cref="FanoutGroupSource"/> to open a whole
    /// group with one capture thread per ring.
    /// </summary>
    public FanoutGroupOptions? Fanout { get; init; }

    /// <summary>The block size as the ring will use it: rounded up to the page size.</summary>
    public int EffectiveBlockSize => RoundToPage(BlockSize);

    /// <summary>The whole ring's size in bytes.</summary>
    public long RingSize => (long)EffectiveBlockSize * BlockCount;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        int page = Environment.SystemPageSize;
        if (BlockSize <= 0)
            throw new InvalidCaptureOptionException(nameof(BlockSize), $"must be positive; got {BlockSize}.");
        if (BlockSize > 1 << 30)
            throw new InvalidCaptureOptionException(nameof(BlockSize), $"must be at most 1 GiB; got {BlockSize} bytes.");
        if (BlockCount < 1)
            throw new InvalidCaptureOptionException(nameof(BlockCount), $"the ring needs at least one block; got {BlockCount}.");
        if (BlockCount > MaxBlockCount)
            throw new InvalidCaptureOptionException(nameof(BlockCount), $"must be at most {MaxBlockCount} (the reader keeps a lease per block); got {BlockCount}.");
        if (RingSize > 1L << 36)
            throw new InvalidCaptureOptionException(nameof(BlockCount), $"BlockSize x BlockCount = {RingSize} bytes; the ring may be at most 64 GiB.");
        double ms = BlockTimeout.TotalMilliseconds;
        if (ms < 1 || ms > uint.MaxValue)
            throw new InvalidCaptureOptionException(nameof(BlockTimeout), $"must be between 1 ms and {uint.MaxValue} ms; got {BlockTimeout}.");
        if (EffectiveBlockSize < page)
            throw new InvalidCaptureOptionException(nameof(BlockSize), $"must be at least one page ({page} bytes).");
        Fanout?.Validate();
    }

    /// <summary>
    /// The kernel's TPACKET3_HDRLEN: TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) (48) + sizeof(struct sockaddr_ll) (20).
    /// packet_set_ring refuses (EINVAL) a frame smaller than this.
    /// </summary>
    internal const int KernelFrameHeader = 48 + 20;

    /// <summary>
    /// slimcap's frame size: the smallest multiple of 16 that holds a header plus the snap length and
    /// divides the block size (TPACKET_V3 only uses it for the kernel's geometry checks), and never less than the
    /// kernel's own header (<see cref="KernelFrameHeader"/>, aligned): slimcap's 48-byte header is less than that, so
    /// snap lengths 1 to 16 would otherwise make a frame the kernel refuses.
    /// </summary>
    internal static int FrameSize(int blockSize, int snapLength)
    {
        long size = Math.Max(48L + snapLength, KernelFrameHeader);
        size = (size + 15) & ~15L;
        while (size < blockSize && blockSize % size != 0) size += 16;
        return (int)Math.Min(size, blockSize);
    }

    private static int RoundToPage(int size)
    {
        int page = Environment.SystemPageSize;
        long rounded = ((long)Math.Max(size, 1) + page - 1) / page * page;
        return (int)Math.Min(rounded, int.MaxValue - page + 1);
    }
}
