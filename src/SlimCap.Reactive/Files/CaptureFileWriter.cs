using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// Writes packets to a capture file (nanosecond pcap or pcapng) through a <see cref="PipeWriter"/>
/// with bounded buffering. Usable as a plain method (<see cref="Write(in PacketRef)"/>,
/// <see cref="Write(PacketBlock)"/>), as an <see cref="IObserver{T}"/> of blocks (the BCL's interface: Files/ needs no
/// Rx), and as a Dataflow target (<c>AsTargetBlock</c>, in <c>SlimCap.Reactive.Dataflow</c>).
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> <see cref="Write(PacketBlock)"/> borrows the block: the caller still owns and
/// disposes it. As an observer or target the writer owns every block it receives and disposes it once
/// written (also when writing failed).</para>
/// <para><b>Ending.</b> <see cref="Dispose"/>, <see cref="Complete"/>, <see cref="IObserver{T}.OnCompleted"/>
/// and <see cref="IObserver{T}.OnError"/> flush what was written and complete the pipe, which closes the
/// stream unless it was left open: a capture that fails still leaves a readable file of what came before.</para>
/// <para><b>Threads.</b> Calls are serialized: writers on several threads take turns, record by record
/// (<see cref="Write(PacketBlock)"/> writes its block whole), so the file stays valid. Rx and an ActionBlock
/// serialize calls already, at no cost here beyond an uncontended lock.</para>
/// <para><b>Failure.</b> A stream that refuses bytes (EPIPE from a closed pipe, a full disk) raises
/// <see cref="CaptureFileWriteException"/> from the call that flushed, naming how much went through;
/// <see cref="RecordsWritten"/> then counts only the records the stream accepted.</para>
/// </remarks>
public abstract class CaptureFileWriter : IObserver<PacketBlock>, IDisposable, IAsyncDisposable
{
    private readonly PipeWriter _writer;
    private readonly AcceptedBytesStream _stream;
    private readonly int _flushThreshold;
    private readonly object _gate = new();
    private bool _completed;
    private CaptureFileWriteException? _failure;
    private long _bytesWritten;
    private long _recordsBuffered;
    private long _recordsAccepted;
    // Where each record not yet flushed ends in the file: after a failed flush they tell which got through.
    private long[] _pendingEnds = new long[256];
    private int _pendingCount;

    private protected CaptureFileWriter(AcceptedBytesStream stream, PipeWriter writer, string name, CaptureFileWriterOptions options)
    {
        _stream = stream;
        _writer = writer;
        Name = name;
        Options = options;
        _flushThreshold = options.FlushThreshold;
    }

    /// <summary>
    /// Creates a writer for <paramref name="path"/> (stdout when it is <c>"-"</c>): pcapng when the name ends
    /// in <c>.pcapng</c> (any case), otherwise nanosecond pcap.
    /// </summary>
    public static CaptureFileWriter Create(string path, CaptureFileWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CaptureFileFormat format = FormatFor(path);
        // Not Console.OpenStandardOutput: the console stream swallows EPIPE, and a closed pipe must fail the write.
        Stream stream = path == "-" ? new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 1)
            : new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1);
        return Create(stream, format, path, leaveOpen: false, options);
    }

    /// <summary>Creates a writer of <paramref name="format"/> over <paramref name="stream"/>, which it closes when done unless <paramref name="leaveOpen"/>.</summary>
    /// <param name="stream">Where the file's bytes go.</param>
    /// <param name="format">The container format to write.</param>
    /// <param name="name">The name used in messages.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the writer completes.</param>
    /// <param name="options">Writer options, or null for the defaults.</param>
    public static CaptureFileWriter Create(Stream stream, CaptureFileFormat format, string name = "stream", bool leaveOpen = false, CaptureFileWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        options ??= new CaptureFileWriterOptions();
        options.Validate();
        var accepted = new AcceptedBytesStream(stream, leaveOpen);
        PipeWriter writer = PipeWriter.Create(accepted, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: false));
        return format switch
        {
            CaptureFileFormat.Pcap => new PcapFileWriter(accepted, writer, name, options),
            CaptureFileFormat.PcapNg => new PcapNgFileWriter(accepted, writer, name, options),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    /// <summary>The format <see cref="Create(string, CaptureFileWriterOptions?)"/> picks for <paramref name="path"/>.</summary>
    public static CaptureFileFormat FormatFor(string path) =>
        path.EndsWith(".pcapng", StringComparison.OrdinalIgnoreCase) ? CaptureFileFormat.PcapNg : CaptureFileFormat.Pcap;

    /// <summary>The container format written.</summary>
    public abstract CaptureFileFormat Format { get; }

    /// <summary>The name used in messages.</summary>
    public string Name { get; }

    /// <summary>
    /// Records the stream has accepted: counted when a flush hands them over, so records still buffered (up to
    /// <see cref="CaptureFileWriterOptions.FlushThreshold"/> bytes of them) are not included until the next flush,
    /// and after a <see cref="CaptureFileWriteException"/> only the records that went through whole are.
    /// </summary>
    public long RecordsWritten => Volatile.Read(ref _recordsAccepted);

    /// <summary>Records given to the writer so far, flushed or not (the next record is number RecordsBuffered + 1).</summary>
    private protected long RecordsBuffered => _recordsBuffered;

    /// <summary>Bytes of the file produced so far (flushed or not).</summary>
    public long BytesWritten => _bytesWritten;

    /// <summary>True once the writer was completed or disposed.</summary>
    public bool IsCompleted => _completed;

    private protected CaptureFileWriterOptions Options { get; }

    /// <summary>Writes one packet. Its block must still be leased.</summary>
    /// <exception cref="CaptureFileException">The packet cannot go into this file (a pcap file holds one link type).</exception>
    /// <exception cref="CaptureFileWriteException">The stream refused the bytes (now or at an earlier flush).</exception>
    /// <exception cref="ObjectDisposedException">The writer was completed, or the packet's lease ended (before or during the copy: nothing of it is written).</exception>
    public void Write(in PacketRef packet)
    {
        lock (_gate)
        {
            ThrowIfCompletedOrFailed();
            WriteOne(packet);
        }
    }

    /// <summary>Writes every packet the block shows, as one turn among concurrent callers. The caller keeps ownership of <paramref name="block"/>.</summary>
    /// <exception cref="CaptureFileException">A packet cannot go into this file (a pcap file holds one link type).</exception>
    /// <exception cref="CaptureFileWriteException">The stream refused the bytes (now or at an earlier flush).</exception>
    /// <exception cref="ObjectDisposedException">The writer was completed.</exception>
    public void Write(PacketBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        lock (_gate)
        {
            ThrowIfCompletedOrFailed();
            foreach (PacketRef packet in block) WriteOne(packet);
        }
    }

    /// <summary>Pushes buffered bytes to the stream.</summary>
    /// <exception cref="CaptureFileWriteException">The stream refused the bytes.</exception>
    public void Flush()
    {
        lock (_gate)
        {
            ThrowIfCompletedOrFailed();
            FlushCore();
        }
    }

    /// <summary>
    /// Writes the file header (and for pcapng an interface) if nothing was written yet, so even an empty
    /// file opens in libpcap, flushes, and completes the pipe (closing the
    /// stream unless it was left open). Idempotent. <paramref name="error"/>, when given, is passed to
    /// the pipe's completion.
    /// </summary>
    /// <exception cref="CaptureFileWriteException">The stream refused the last bytes (raised once; a writer that had already failed completes quietly).</exception>
    public void Complete(Exception? error = null)
    {
        lock (_gate)
        {
            if (_completed) return;
            _completed = true;
            try
            {
                if (_failure is null)
                {
                    FinishFile();
                    FlushCore();
                }
            }
            finally
            {
                // A failed stream gets no more bytes: completing with the failure skips the pipe's last write.
                _writer.Complete(error ?? _failure);
            }
        }
    }

    /// <summary>Completes the writer (see <see cref="Complete"/>).</summary>
    public void Dispose()
    {
        Complete();
        GC.SuppressFinalize(this);
    }

    /// <summary>Completes the writer (see <see cref="Complete"/>).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the block's packets, then disposes it: an observer owns what it receives.</summary>
    public void OnNext(PacketBlock value)
    {
        ArgumentNullException.ThrowIfNull(value);
        try
        {
            Write(value);
        }
        finally
        {
            value.Dispose();
        }
    }

    /// <summary>The source failed: keeps what was written, flushes, and completes the file.</summary>
    public void OnError(Exception error) => Complete();

    /// <summary>The source ended: flushes and completes the file.</summary>
    public void OnCompleted() => Complete();

    /// <summary>Writes what a valid file needs and is still missing (the header of an empty file).</summary>
    private protected abstract void FinishFile();

    /// <summary>Writes one record, and whatever must precede it (header, interface description).</summary>
    private protected abstract void WriteRecord(in PacketRef packet);

    /// <summary>Reserves <paramref name="size"/> contiguous bytes of output; fill them, then <see cref="Commit"/>.</summary>
    private protected Span<byte> Reserve(int size) => _writer.GetSpan(size)[..size];

    /// <summary>Commits <paramref name="size"/> bytes written into the span from <see cref="Reserve"/>.</summary>
    private protected void Commit(int size)
    {
        _writer.Advance(size);
        _bytesWritten += size;
    }

    /// <summary>
    /// Copies the bytes to write for <paramref name="packet"/> into <paramref name="destination"/>: its data,
    /// with the VLAN tag put back when asked, cut to the snapshot length. Returns how many; gives the
    /// length on the wire (4 more with a reinserted tag) in <paramref name="wireLength"/>. Throws
    /// <see cref="ObjectDisposedException"/> when the packet's lease ended before the copy was complete.
    /// </summary>
    private protected int CopyFrame(in PacketRef packet, Span<byte> destination, out long wireLength)
    {
        ReadOnlySpan<byte> data = packet.Data;
        wireLength = packet.TotalLength;
        int snap = Options.SnapLength;
        if (Options.ReinsertVlanTags && packet.HasVlan && packet.LinkType == LinkType.Ethernet && data.Length >= 12)
        {
            // 802.1Q: the tag goes between the source MAC address and the EtherType.
            Span<byte> tag = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16BigEndian(tag, packet.VlanTpid == 0 ? (ushort)0x8100 : packet.VlanTpid);
            BinaryPrimitives.WriteUInt16BigEndian(tag[2..], packet.VlanTci);
            wireLength += 4;
            int length = Math.Min(data.Length + 4, snap);
            CopyPart(data[..12], destination, 0, length);
            CopyPart(tag, destination, 12, length);
            CopyPart(data[12..], destination, 16, length);
            packet.ThrowIfStaleAfterCopy(); // a lease that ended during the copy: nothing is committed
            return length;
        }
        int n = Math.Min(data.Length, snap);
        data[..n].CopyTo(destination);
        packet.ThrowIfStaleAfterCopy();
        return n;
    }

    /// <summary>The length <see cref="CopyFrame"/> will produce for <paramref name="packet"/>.</summary>
    private protected int FrameLength(in PacketRef packet)
    {
        int length = packet.CapturedLength;
        if (Options.ReinsertVlanTags && packet.HasVlan && packet.LinkType == LinkType.Ethernet && length >= 12) length += 4;
        return Math.Min(length, Options.SnapLength);
    }

    private static void CopyPart(ReadOnlySpan<byte> part, Span<byte> destination, int at, int limit)
    {
        if (at >= limit) return;
        int n = Math.Min(part.Length, limit - at);
        part[..n].CopyTo(destination[at..]);
    }

    private void WriteOne(in PacketRef packet)
    {
        // The metadata the record header is made of was read when the PacketRef was: trusted only if the lease
        // still lived after that (a walk racing the block's reuse may have read another lease's header).
        packet.ThrowIfStaleAfterCopy();
        WriteRecord(packet);
        _recordsBuffered++;
        if (_pendingCount == _pendingEnds.Length) Array.Resize(ref _pendingEnds, _pendingEnds.Length * 2);
        _pendingEnds[_pendingCount++] = _bytesWritten;
        if (_writer.UnflushedBytes >= _flushThreshold) FlushCore();
    }

    private void FlushCore()
    {
        try
        {
            ValueTask<FlushResult> pending = _writer.FlushAsync();
            if (!pending.IsCompletedSuccessfully) pending.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ObjectDisposedException)
        {
            // Only the records whose last byte the stream took count as written.
            long accepted = _stream.Accepted;
            int through = 0;
            while (through < _pendingCount && _pendingEnds[through] <= accepted) through++;
            Volatile.Write(ref _recordsAccepted, _recordsAccepted + through);
            _pendingCount = 0;
            _failure = new CaptureFileWriteException(Name, accepted, _recordsAccepted, e);
            throw _failure;
        }
        Volatile.Write(ref _recordsAccepted, _recordsAccepted + _pendingCount);
        _pendingCount = 0;
    }

    private void ThrowIfCompletedOrFailed()
    {
        if (_completed) ThrowCompleted();
        if (_failure is not null) throw _failure;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowCompleted() =>
        throw new ObjectDisposedException(GetType().Name, $"The capture file writer for '{Name}' was completed.");
}
