namespace SlimCap.Reactive.Files;

/// <summary>Options of a <see cref="CaptureFileSource"/>. The defaults suit files of any size.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share.</remarks>
public sealed record CaptureFileOptions
{
    /// <summary>
    /// How many bytes of the file one block may hold (it holds at least one record, whatever its size).
    /// Defaults to 256 KiB.
    /// </summary>
    public int BlockSize { get; init; } = 256 * 1024;

    /// <summary>
    /// How many blocks may be leased at once. Defaults to 4. When all are leased the reader waits for one
    /// to be disposed (counted in <see cref="CaptureStats.RingStarvations"/>), which bounds memory.
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
    /// that blocks view records in. Defaults to 64 KiB. A record split across two buffers is copied once.
    /// </summary>
    public int ReadBufferSize { get; init; } = 64 * 1024;

    /// <summary>
    /// A classic-BPF program every record must pass (return non-zero for) to be read, run as libpcap filters a file
    /// (<see cref="Filters.BpfProgram.Run(ReadOnlySpan{byte}, uint)"/>: captured bytes, wire length; compiled, see
    /// <see cref="Filters.BpfProgram.Compile"/>). Records it refuses are skipped by every read style: blocks show only
    /// the records it keeps (a view, nothing is copied), and a block it empties is never handed out. The return
    /// value does not shorten a record. The program is run whatever a record's link type; null (the default) keeps
    /// every record.
    /// </summary>
    public Filters.BpfProgram? BpfFilter { get; init; }
}
