using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>Options of <see cref="SocketSource"/>: the shared ones plus its batching buffers.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share between sources.</remarks>
public sealed record class SocketOptions : CaptureOptions
{
    /// <summary>Size of one batch buffer (a <see cref="PacketBlock"/> of one or more packets). Defaults to 256 KiB; 2048 bytes to 256 MiB, and <see cref="MaxBatchBytes"/> for all of them.</summary>
    public int BatchBufferSize { get; init; } = 256 * 1024;

    /// <summary>How many batch buffers exist; when all are leased the reader waits. Defaults to 8; 1 to 4096, and <see cref="MaxBatchBytes"/> for all of them.</summary>
    public int BatchBufferCount { get; init; } = 8;

    /// <summary>
    /// The socket's receive buffer in bytes (SO_RCVBUF, or SO_RCVBUFFORCE past the system limit when
    /// privileged): how much the kernel queues while the reader is busy. 0 keeps the kernel's default; at most 1 GiB.
    /// </summary>
    public int ReceiveBufferSize { get; init; }

    /// <summary>The default of <see cref="MessagesPerCall"/>, 128.</summary>
    public const int DefaultMessagesPerCall = 128;

    /// <summary>Largest <see cref="BatchBufferSize"/> × <see cref="BatchBufferCount"/>: 1 GiB, all of it allocated when the source opens.</summary>
    public const long MaxBatchBytes = 1L << 30;

    /// <summary>
    /// The most packets one <c>recvmmsg</c> call receives. Each syscall costs about a microsecond on a
    /// kernel with page-table isolation, so taking many queued packets per call is what lets the
    /// socket keep up with hundreds of thousands of packets per second. A call never waits for more
    /// packets than are queued, so a larger value costs no latency. Each call also takes at most as
    /// many packets as there are snap-length slots left in the batch buffer (one per call when the
    /// snap length is close to <see cref="BatchBufferSize"/>), so a small snap length batches more.
    /// Between 1 and 1024 (the kernel's limit, UIO_MAXIOV); defaults to <see cref="DefaultMessagesPerCall"/>.
    /// </summary>
    public int MessagesPerCall { get; init; } = DefaultMessagesPerCall;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (ReceiveBufferSize < 0 || ReceiveBufferSize > 1 << 30)
            throw new InvalidCaptureOptionException(nameof(ReceiveBufferSize), $"must be between 0 (kernel default) and 1 GiB; got {ReceiveBufferSize}.");
        if (BatchBufferSize < 2048 || BatchBufferSize > 1 << 28)
            throw new InvalidCaptureOptionException(nameof(BatchBufferSize), $"must be between 2048 bytes and 256 MiB; got {BatchBufferSize}.");
        if (BatchBufferCount < 1 || BatchBufferCount > 4096)
            throw new InvalidCaptureOptionException(nameof(BatchBufferCount), $"must be between 1 and 4096; got {BatchBufferCount}.");
        if ((long)BatchBufferSize * BatchBufferCount > MaxBatchBytes)
            throw new InvalidCaptureOptionException(nameof(BatchBufferCount), $"BatchBufferSize x BatchBufferCount may be at most {MaxBatchBytes} bytes (1 GiB), allocated when the source opens; got {(long)BatchBufferSize * BatchBufferCount}.");
        if (MessagesPerCall < 1 || MessagesPerCall > 1024)
            throw new InvalidCaptureOptionException(nameof(MessagesPerCall), $"must be between 1 and 1024 (recvmmsg's limit, UIO_MAXIOV); got {MessagesPerCall}.");
    }
}
