using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Files;

/// <summary>Options of a <see cref="CaptureFileSource"/>. The defaults suit files of any size.</summary>
/// <remarks>
/// Thread safety: immutable (init-only); safe to share. Every value is checked when a source opens, before anything
/// is allocated: a value outside its stated range is an <see cref="InvalidCaptureOptionException"/> naming the option
/// and its limit. Memory: a source holds at most about
/// (<see cref="BlockCount"/> + 1) × (<see cref="BlockSize"/> + <see cref="MaxRecordLength"/> + 128 KiB) + 2 × <see cref="ReadBufferSize"/>
/// bytes, whatever the file says (<see cref="MaxMemory"/>).
/// </remarks>
public sealed record CaptureFileOptions
{
    /// <summary>Largest <see cref="BlockSize"/>: 64 MiB.</summary>
    public const int MaxBlockSize = 64 * 1024 * 1024;

    /// <summary>Largest <see cref="BlockCount"/>: 1024.</summary>
    public const int MaxBlockCount = 1024;

    /// <summary>Largest <see cref="ReadBufferSize"/>: 16 MiB.</summary>
    public const int MaxReadBufferSize = 16 * 1024 * 1024;

    /// <summary>Largest <see cref="MaxRecordLength"/>: 128 MiB, libpcap's largest record for any link type (DBUS).</summary>
    public const int MaxRecordLengthLimit = 128 * 1024 * 1024;

    /// <summary>Largest <see cref="BlockCount"/> × <see cref="BlockSize"/>: 1 GiB.</summary>
    public const long MaxBlockBytes = 1L << 30;

    /// <summary>
    /// Bytes a pcapng block may have beyond <see cref="MaxRecordLength"/> for its fields and options (libpcap allows
    /// 128 KiB of options too): a block the reader must hold whole is at most MaxRecordLength + this.
    /// </summary>
    public const int BlockOverhead = 128 * 1024 + 32;

    /// <summary>
    /// How many bytes of the file one block may hold (it holds at least one record, whatever its size).
    /// Defaults to 256 KiB; 4096 to <see cref="MaxBlockSize"/>.
    /// </summary>
    public int BlockSize { get; init; } = 256 * 1024;

    /// <summary>
    /// How many blocks may be leased at once. Defaults to 4; 1 to <see cref="MaxBlockCount"/>. When all are leased
    /// the reader waits for one to be disposed, which bounds memory.
    /// </summary>
    public int BlockCount { get; init; } = 4;

    /// <summary>
    /// When true (the default for streams that cannot seek, such as stdin and pipes), a block is handed out
    /// as soon as the next record has not arrived yet, instead of waiting to fill it: records from a live
    /// producer are seen promptly. When false, blocks are filled. Null picks by the stream.
    /// </summary>
    public bool? PublishPartialBlocks { get; init; }

    /// <summary>
    /// Size of the pooled buffers the <see cref="System.IO.Pipelines.PipeReader"/> reads the stream into, and
    /// that blocks view records in. Defaults to 64 KiB; 4096 to <see cref="MaxReadBufferSize"/>. A record split
    /// across two buffers is copied once.
    /// </summary>
    public int ReadBufferSize { get; init; } = 64 * 1024;

    /// <summary>
    /// The largest record (captured bytes) the reader buffers: a longer one ends the file with a
    /// <see cref="CaptureFileRecordTooLargeException"/> naming its offset, its length and this option, before any of
    /// its bytes are buffered. Defaults to 256 KiB (262144, libpcap's largest record for every link type but a few:
    /// DBUS allows 128 MiB, EBHSCR 8 MiB, USBPCAP 1 MiB; raise it to read such files whole); 1 to
    /// <see cref="MaxRecordLengthLimit"/>. pcapng blocks the reader does not interpret (statistics, name resolution,
    /// custom and unknown types) are skipped as they stream past, whatever their length up to the format's limit.
    /// </summary>
    public int MaxRecordLength { get; init; } = 256 * 1024;

    /// <summary>The most memory a source with these options holds, in bytes (see the remarks).</summary>
    public long MaxMemory => (BlockCount + 1L) * (BlockSize + (long)MaxRecordLength + BlockOverhead) + 2L * ReadBufferSize;

    /// <summary>Checks every value against its range.</summary>
    /// <exception cref="InvalidCaptureOptionException">A value is out of range; the message names the option and its limits.</exception>
    internal void Validate()
    {
        if (BlockSize is < 4096 or > MaxBlockSize)
            throw new InvalidCaptureOptionException(nameof(BlockSize), $"must be between 4096 bytes and {MaxBlockSize} bytes (64 MiB); got {BlockSize}.");
        if (BlockCount is < 1 or > MaxBlockCount)
            throw new InvalidCaptureOptionException(nameof(BlockCount), $"must be between 1 and {MaxBlockCount}; got {BlockCount}.");
        if ((long)BlockCount * BlockSize > MaxBlockBytes)
            throw new InvalidCaptureOptionException(nameof(BlockCount), $"BlockCount x BlockSize may be at most {MaxBlockBytes} bytes (1 GiB); got {(long)BlockCount * BlockSize}.");
        if (ReadBufferSize is < 4096 or > MaxReadBufferSize)
            throw new InvalidCaptureOptionException(nameof(ReadBufferSize), $"must be between 4096 bytes and {MaxReadBufferSize} bytes (16 MiB); got {ReadBufferSize}.");
        if (MaxRecordLength is < 1 or > MaxRecordLengthLimit)
            throw new InvalidCaptureOptionException(nameof(MaxRecordLength), $"must be between 1 and {MaxRecordLengthLimit} bytes (128 MiB, libpcap's largest for any link type); got {MaxRecordLength}.");
        if (Filter is not null && BpfFilter is not null)
            throw new InvalidCaptureOptionException(nameof(Filter), "an expression and a BpfFilter program exclude each other; choose one.");
    }

    /// <summary>
    /// A classic-BPF program every record must pass (return non-zero for) to be read, run as libpcap filters a file
    /// (<see cref="Filters.BpfProgram.Run(ReadOnlySpan{byte}, uint)"/>: captured bytes, wire length; compiled, see
    /// <see cref="Filters.BpfProgram.Compile"/>). Records it refuses are skipped by every read style: blocks show only
    /// the records it keeps (a view, nothing is copied), and a block it empties is never handed out. The return
    /// value does not shorten a record. The program is run whatever a record's link type; null (the default) keeps
    /// every record.
    /// </summary>
    public Filters.BpfProgram? BpfFilter { get; init; }

    /// <summary>
    /// A pcap-filter expression (tcpdump's language, <c>"tcp port 80 and host 198.18.0.1"</c>) every record must match
    /// to be read: compiled as tcpdump compiles a file's filter (netmask 0, optimized) for the file's link type when the
    /// file opens (an invalid one raises <see cref="FilterLanguage.FilterExpressionException"/> with the column then) and
    /// for any further link type a pcapng file brings when its first record arrives; applied as <see cref="BpfFilter"/>
    /// is. Cannot be combined with <see cref="BpfFilter"/>. Null (the default) keeps every record.
    /// </summary>
    public string? Filter { get; init; }
}
