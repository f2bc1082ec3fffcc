namespace SlimCap.Reactive;

/// <summary>Options of <see cref="SocketSource"/>: the shared ones plus its batching buffers.</summary>
public sealed record class SocketOptions : CaptureOptions
{
    /// <summary>Size of one batch buffer (a <see cref="PacketBlock"/> of one or more packets). Defaults to 256 KiB.</summary>
    public int BatchBufferSize { get; init; } = 256 * 1024;

    /// <summary>How many batch buffers exist; when all are leased the reader waits. Defaults to 8.</summary>
    public int BatchBufferCount { get; init; } = 8;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (BatchBufferSize < 2048 || BatchBufferSize > 1 << 28)
            throw new InvalidCaptureOptionException(nameof(BatchBufferSize), $"must be between 2048 bytes and 256 MiB; got {BatchBufferSize}.");
        if (BatchBufferCount < 1 || BatchBufferCount > 4096)
            throw new InvalidCaptureOptionException(nameof(BatchBufferCount), $"must be between 1 and 4096; got {BatchBufferCount}.");
    }
}
