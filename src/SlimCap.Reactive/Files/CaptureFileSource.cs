using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// A <see cref="CaptureSource"/> over a capture file: classic pcap (both byte orders, microsecond and
/// nanosecond, Kuznetsov) or pcapng (several sections and interfaces, per-interface link types and
/// timestamp scales), optionally gzip-compressed (detected by its magic). It reads a path, stdin
/// (<c>"-"</c>) or any <see cref="Stream"/> through a <see cref="PipeReader"/>, and offers every read
/// style and surface a live source does.
/// </summary>
/// <remarks>
/// <para><b>Records.</b> A block's records are views of the pipe's buffers, not copies: the pipe reads
/// into pooled buffers that a leased block keeps alive until it is disposed. Only a record split across
/// two buffers is copied (into a buffer the block rents). Memory is bounded by
/// <see cref="CaptureFileOptions.BlockCount"/> leased blocks of at most <see cref="CaptureFileOptions.BlockSize"/>
/// file bytes each (or one record, when it is larger), plus the pipe's buffering of one record. <see cref="PacketBlock.Bytes"/> of a file block
/// is empty, since its records lie in several buffers: enumerate the block instead. Timestamps are nanoseconds since the epoch; a record's
/// <see cref="PacketRef.InterfaceIndex"/> is its pcapng interface id in its section (0 for pcap), its
/// <see cref="PacketRef.LinkType"/> that interface's link type, and its <see cref="PacketRef.Type"/> the
/// direction in pcapng's epb_flags, or <see cref="PacketType.Unknown"/>.</para>
/// <para><b>End and damage.</b> At the clean end of the file reads return <see cref="CaptureStatus.Stopped"/>.
/// A damaged file first yields every record before the damage, then the next read throws a
/// <see cref="CaptureFileException"/> naming the offset; later reads return Stopped. Hostile lengths are
/// checked against the format's limits and <see cref="CaptureFileOptions.MaxRecordLength"/> before any byte is
/// buffered for them, so they cost no memory; pcapng blocks that hold no records are skipped as they stream past.
/// Memory stays below <see cref="CaptureFileOptions.MaxMemory"/>.</para>
/// <para><b>gzip.</b> The gzip framing is parsed here (RFC 1952; concatenated members read as zcat reads them) and
/// only the deflate data goes to the inflater, so damage at the end of a gzip file costs no record before it: a bad
/// CRC32 or length in a trailer, data after the last member, a damaged header and a file cut anywhere (a cut
/// never reads as a clean end, whatever record boundary it falls on) each end in a
/// <see cref="CaptureFileException"/> that says which, with the compressed offset in its message.</para>
/// <para><b>Timestamps.</b> <see cref="PacketRef.TimestampNanoseconds"/> is seconds × 10^9 plus the fraction in
/// 64-bit arithmetic: pcapng times past the year 2262 (or before 1678) wrap.</para>
/// <para><b>Compatibility.</b> Records are presented as libpcap 1.10 presents them (pcap records longer
/// than the snapshot length are cut to it, the same checks and errors), except that pcapng files libpcap
/// refuses although they are valid are read whole, as Wireshark does.</para>
/// </remarks>
public sealed class CaptureFileSource : CaptureSource
{
    private const ushort GzipMagic = 0x8B1F;

    private readonly PipeByteReader _input;
    private readonly FormatReader _format;
    private const int MaxRecordsPerBlock = 4096;

    private readonly FileBatchPool _pool;
    private bool _closingAtEnd; // set before Dispose by CloseAtEnd: the leases out stay live
    private readonly int _blockSize;
    private readonly bool _publishPartial;
    private readonly object _readGate = new();
    private readonly Func<bool> _stopWaiting; // made once: a lambda per rent would allocate per block
    private readonly RecordFilter.Selector? _filter;
    private CaptureFileException? _pendingError;
    private bool _ended;
    private int _unblockRequested;
    private long _sequence;
    private long _records;
    private long _copiedRecords;

    private CaptureFileSource(string name, PipeByteReader input, FormatReader format, bool compressed, CaptureFileOptions options, bool publishPartial)
    {
        Name = name;
        _input = input;
        _format = format;
        IsCompressed = compressed;
        _blockSize = options.BlockSize;
        _pool = new FileBatchPool(options.BlockCount);
        _publishPartial = publishPartial;
        if (RecordFilter.For(options, format.LinkType) is { } filter) _filter = new RecordFilter.Selector(filter);
        // A wait for a free block ends on Unblock as well as on Dispose: a stream that stops its capture while its
        // consumer still holds every block (read ahead, queued behind an operator) must not leave this thread parked.
        _stopWaiting = () => IsDisposed || Volatile.Read(ref _unblockRequested) != 0;
        ReportMetrics();
    }

    internal override string SourceKind => "file";

    internal override int OutstandingLeases => _pool.BlockCount - _pool.FreeCount;

    internal override int BlockCapacity => _pool.BlockCount;

    /// <summary>
    /// Opens the capture file at <paramref name="path"/>, or stdin when it is <c>"-"</c>, and reads its header.
    /// </summary>
    /// <exception cref="CaptureFileException">The file is not a capture file this reader supports, or its header is damaged.</exception>
    /// <exception cref="IOException">The file cannot be opened (<see cref="FileNotFoundException"/> when it does not exist).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <remarks>A FIFO is opened without waiting for its writer: the first read (the header, here) waits for it.</remarks>
    public static CaptureFileSource Open(string path, CaptureFileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Stream stream = !OperatingSystem.IsLinux() ? OpenPortable(path) : path == "-" ? OpenStandardInput() : OpenPath(path);
        try
        {
            return Open(stream, path, leaveOpen: false, options);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Elsewhere than Linux: the file or stdin through plain .NET streams. Reads of a FIFO or a terminal cannot be
    /// interrupted there (Unblock and Dispose take effect at the next record); regular files are unaffected.
    /// </summary>
    private static Stream OpenPortable(string path) => path == "-"
        ? Console.OpenStandardInput()
        : new RegularFileStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1));

    /// <summary>
    /// A regular file is read in place (no FileStream buffering: the pipe is the buffer); a FIFO, device or socket
    /// through <see cref="WakeableFileStream"/>, whose reads Unblock and Dispose can interrupt.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static Stream OpenPath(string path)
    {
        FileDescriptorHandle fd = Syscalls.OpenForReading(path);
        try
        {
            if (!Syscalls.IsRegularFile(fd.Fd)) return new WakeableFileStream(fd, path);
            var handle = new SafeFileHandle(fd.DangerousGetHandle(), ownsHandle: true);
            fd.SetHandleAsInvalid(); // the FileStream owns the descriptor now
            return new RegularFileStream(new FileStream(handle, FileAccess.Read, bufferSize: 1));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Stdin (fd 0, never closed here): in place when it is a redirected regular file, else wakeable.</summary>
    [SupportedOSPlatform("linux")]
    private static Stream OpenStandardInput()
    {
        var fd = new FileDescriptorHandle(0, ownsHandle: false);
        if (!Syscalls.IsRegularFile(0)) return new WakeableFileStream(fd, "-");
        return new RegularFileStream(new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 1));
    }

    /// <summary>
    /// Opens a capture file read from <paramref name="stream"/> and reads its header. The source owns the
    /// stream (and closes it on dispose) unless <paramref name="leaveOpen"/> is true.
    /// </summary>
    /// <param name="stream">The file's bytes, from its first byte on.</param>
    /// <param name="name">The name used in messages and <see cref="Name"/>.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the source is disposed.</param>
    /// <param name="options">Reader options, or null for the defaults.</param>
    /// <exception cref="CaptureFileException">The stream is not a capture file this reader supports, or its header is damaged.</exception>
    public static CaptureFileSource Open(Stream stream, string name, bool leaveOpen = false, CaptureFileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        options ??= new CaptureFileOptions();
        options.Validate();
        bool publishPartial = options.PublishPartialBlocks ?? !stream.CanSeek;
        // Enough free buffers for what the leased blocks can hold on to, plus the pipe's own.
        var buffers = new PipeBufferPool(options.ReadBufferSize, options.BlockCount * (options.BlockSize / options.ReadBufferSize + 2) + 4);
        var pipeOptions = new StreamPipeReaderOptions(buffers, options.ReadBufferSize, minimumReadSize: 1024, leaveOpen: leaveOpen);
        PipeReader pipe = PipeReader.Create(stream, pipeOptions);
        var input = new PipeByteReader(pipe, name);
        bool compressed = false;
        try
        {
            input.Ensure(4);
            if (input.Available >= 2 && ReadUInt16(input) == GzipMagic)
            {
                // The raw pipe keeps the bytes it peeked at; the gzip stream reads them back through it.
                compressed = true;
                var gzip = new GzipDecompressionStream(pipe, name);
                input = new PipeByteReader(PipeReader.Create(gzip, new StreamPipeReaderOptions(buffers, options.ReadBufferSize, minimumReadSize: 1024, leaveOpen: false)), name);
                input.Ensure(4);
            }
            FormatReader format = OpenFormat(input, name, options.MaxRecordLength);
            return new CaptureFileSource(name, input, format, compressed, options, publishPartial);
        }
        catch
        {
            input.Complete();
            if (compressed) pipe.Complete();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <summary>The link type of the pcap file, or of the first interface of a pcapng file (Ethernet when it has none).</summary>
    public override LinkType LinkType => _format.LinkType;

    /// <summary>The container format.</summary>
    public CaptureFileFormat Format => _format.Format;

    /// <summary>True when the file was gzip-compressed.</summary>
    public bool IsCompressed { get; }

    /// <summary>How far the reader has got, in (uncompressed) bytes of the file. Approximate while a read runs on another thread.</summary>
    public long Position => _input.Offset;

    /// <summary>Records read so far in <see cref="CaptureStats.PacketsReceived"/>; never any drops.</summary>
    public override CaptureStats Stats
    {
        get
        {
            // No ring: a file waits for its consumer to give a block back, which is back-pressure, not a starved ring.
            return new CaptureStats(Interlocked.Read(ref _records), 0, 0);
        }
    }

    /// <summary>True once the file was read to its end (or its damage): a new stream over this source would see nothing.</summary>
    private protected override bool HasEnded
    {
        // No lock: a reader blocked in a read holds it. Both fields change only under it, and only towards the end.
        get { return Volatile.Read(ref _ended) && Volatile.Read(ref _pendingError) is null; }
    }

    /// <summary>Blocks leased to consumers right now (revoked leases of a closed source no longer count).</summary>
    public int LeasedBlocks => _pool.LeasedCount;

    /// <summary>Records that had to be copied because they were split across two pipe buffers (for tests and tuning).</summary>
    internal long CopiedRecords => Interlocked.Read(ref _copiedRecords);

    /// <summary>
    /// Wakes a reader blocked on a slow stream; it returns <see cref="CaptureStatus.Unblocked"/>. A path or stdin that
    /// is a FIFO, pipe, terminal or socket is always woken (its reads wait in poll beside an eventfd); a
    /// <see cref="Stream"/> passed in is woken when it honours the cancellation token of its ReadAsync.
    /// </summary>
    public override void Unblock()
    {
        Volatile.Write(ref _unblockRequested, 1);
        _input.CancelPendingRead();
        _pool.WakeWaiters(); // a reader waiting for a free block looks at the request
    }

    /// <summary>
    /// At the end of the file the stream that opened it closes it, but the blocks still on their way downstream stay
    /// readable: they hold the pipe buffers their records lie in (managed memory), not the file.
    /// </summary>
    internal override void CloseAtEnd()
    {
        _closingAtEnd = true;
        Dispose();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!_closingAtEnd) _pool.RevokeAll(); // every lease ends now: reads throw, disposes do nothing
        else _pool.WakeWaiters(); // (revoking wakes a reader waiting for a free block; so must this)
        _input.CancelPendingRead();
        // The reader thread leaves the gate promptly once its read is cancelled; then the pipe is ours to close.
        lock (_readGate) _input.Complete();
    }

    private protected override CaptureStatus ReadBlockCore(PacketBlock? spare, out PacketBlock? block)
    {
        block = null;
        lock (_readGate)
        {
            if (IsDisposed) return CaptureStatus.Stopped;
            if (_pendingError is { } error)
            {
                _pendingError = null;
                _ended = true;
                throw error;
            }
            if (_ended) return CaptureStatus.Stopped;
            if (Interlocked.Exchange(ref _unblockRequested, 0) != 0) return CaptureStatus.Unblocked;
            while (true)
            {
                CaptureStatus status = Fill(spare, out block);
                if (status != CaptureStatus.Packet || _filter is not { } filter) return status;
                // The filter narrows the block's view in place; a block it empties goes back and the next is read.
                if (block!.Restrict(ref filter) > 0) return status;
                block.Dispose();
                block = null;
                if (_pendingError is { } damage)
                {
                    _pendingError = null;
                    _ended = true;
                    throw damage;
                }
                if (IsDisposed) return CaptureStatus.Stopped;
            }
        }
    }

    private CaptureStatus Fill(PacketBlock? spare, out PacketBlock? leased)
    {
        leased = null;
        FileBatch? block = null;
        try
        {
            while (true)
            {
                bool mayBlock = block is null || block.Count == 0 || !_publishPartial;
                ReadOutcome outcome = _format.Next(mayBlock, out FileRecord record);
                if (outcome != ReadOutcome.Ready)
                {
                    // A cancel whose wake was already reported (Unblock before any read) is not a new wake.
                    if (outcome == ReadOutcome.Canceled && !IsDisposed && Volatile.Read(ref _unblockRequested) == 0) continue;
                    if (block is not null && block.Count > 0) break;
                    block?.Discard();
                    block = null;
                    if (outcome == ReadOutcome.End)
                    {
                        _ended = true;
                        return CaptureStatus.Stopped;
                    }
                    if (IsDisposed) return CaptureStatus.Stopped;
                    Interlocked.Exchange(ref _unblockRequested, 0);
                    return CaptureStatus.Unblocked;
                }
                if (block is not null && block.Count > 0 && (block.FileBytes + record.Size > _blockSize || block.Count >= MaxRecordsPerBlock))
                    break; // the record stays in the pipe for the next block
                if (block is null)
                {
                    block = _pool.Rent(_stopWaiting);
                    if (block is null)
                    {
                        // The record stays unconsumed in the pipe: the next read starts with it.
                        if (IsDisposed) return CaptureStatus.Stopped;
                        Interlocked.Exchange(ref _unblockRequested, 0);
                        return CaptureStatus.Unblocked;
                    }
                }
                // A record inside one pipe buffer is viewed where it lies; only one split across buffers is copied.
                if (record.Data.IsSingleSegment
                    && MemoryMarshal.TryGetMemoryManager(record.Data.First, out PipeBuffer? buffer, out int start, out _))
                    block.AddView(buffer, start, record);
                else
                {
                    block.AddCopy(record);
                    _copiedRecords++;
                }
                _format.Consume(record);
                // The records that follow whole in the same pipe segment (nearly all) are parsed from its span and
                // viewed in place, without a FileRecord and its sequence slicing each; the one that is split, not yet
                // read, damaged or over the block's budget is left for Next above.
                int appended = _format.AppendBuffered(block, _blockSize, MaxRecordsPerBlock);
                Interlocked.Add(ref _records, 1 + appended);
            }
        }
        catch (CaptureFileException e) when (block is not null && block.Count > 0)
        {
            // Deliver what precedes the damage first; the error comes with the next read.
            _pendingError = e;
        }
        catch (Exception e)
        {
            block?.Discard();
            // Damage ends the file: later reads report Stopped instead of parsing the damage again.
            if (e is CaptureFileException) _ended = true;
            throw;
        }
        leased = block.Publish(_sequence++, spare);
        return leased is null ? CaptureStatus.Stopped : CaptureStatus.Packet;
    }

    private static FormatReader OpenFormat(PipeByteReader input, string name, int maxRecordLength)
    {
        if (input.Available < 4)
            CaptureFileException.ThrowDamaged(name, 0, $"not a capture file: it has only {input.Available} bytes");
        Span<byte> scratch = stackalloc byte[4];
        uint magic = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(input.PeekSpan(4, scratch));
        if (magic == PcapNgFormatReader.BlockTypeShb) return PcapNgFormatReader.Open(input, name, maxRecordLength);
        if (PcapFormatReader.IsMagic(magic)) return PcapFormatReader.Open(input, name, maxRecordLength);
        CaptureFileException.ThrowDamaged(name, 0, $"not a capture file: unknown magic 0x{magic:x8} (neither pcap nor pcapng)");
        return null;
    }

    private static ushort ReadUInt16(PipeByteReader input)
    {
        Span<byte> scratch = stackalloc byte[2];
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(input.PeekSpan(2, scratch));
    }
}
