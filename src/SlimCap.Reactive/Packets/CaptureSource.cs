using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// A source of captured packets: a live ring or socket, a capture file, or a test ring image.
/// Every source offers the same read calls (slimcap's styles) and feeds the same Rx, async and
/// Dataflow surfaces through <see cref="NextBlock"/>.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> The read calls (<c>Next*</c>) are for one reader thread at a time.
/// <see cref="Unblock"/>, <see cref="Stats"/> and <see cref="Dispose()"/> may be called from any thread,
/// also while a read blocks.</para>
/// <para><b>Lifetime of what a read returns.</b> Zero-copy results (<see cref="NextPacketRef"/>,
/// <see cref="NextPayloadZeroCopy"/>, callbacks) view the source's memory and are valid until the next
/// read call on this source. Blocks from <see cref="NextBlock"/> are leases the caller owns and disposes.</para>
/// <para><b>Stopping.</b> <see cref="Dispose()"/> wakes a blocked reader, which returns
/// <see cref="CaptureStatus.Stopped"/>; any read after that throws <see cref="ObjectDisposedException"/>.
/// Memory a reader or a leased block still uses stays mapped until they are done with it.</para>
/// </remarks>
public abstract partial class CaptureSource : IDisposable
{
    // The packet calls' walk through the current block, kept as plain fields: a PacketRef held in a
    // field of this (heap) object would cost a copy and a GC write barrier per packet.
    private PacketBlock? _cursorBlock;
    private int _cursorGeneration;
    private int _cursorPosition;
    private int _cursorIndex;
    private PacketBlock? _spareCursor; // the lease object of the block the packet calls finished, to carry the next if it can (PacketBlock.Spare.cs)
    private int _disposed;
    // What the meter reports (CaptureMeter): written once per block by the reader, read by collections on any thread.
    private long _packetsRead;
    private long _bytesRead;

    /// <summary>A short name for the source: the interface name, or the file name.</summary>
    public abstract string Name { get; }

    /// <summary>The link type of the packets (for files with several, the first interface's).</summary>
    public abstract LinkType LinkType { get; }

    /// <summary>Offset of the IP layer for <see cref="LinkType"/>, or -1 when unknown.</summary>
    public int IpLayerOffset => LinkTypeInfo.IpLayerOffset(LinkType);

    /// <summary>Cumulative counters since the source was opened. Safe to read from any thread.</summary>
    public abstract CaptureStats Stats { get; }

    /// <summary>True once <see cref="Dispose()"/> was called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Blocks until a block of packets is ready and leases it to the caller, who must dispose it.
    /// Returns <see cref="CaptureStatus.Unblocked"/> after <see cref="Unblock"/> and
    /// <see cref="CaptureStatus.Stopped"/> when the source is closed or a file has ended (then
    /// <paramref name="block"/> is null).
    /// </summary>
    /// <exception cref="InvalidOperationException">A block is partly read through the packet calls: finish it with them first (the two styles must not interleave within a block).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CaptureStatus NextBlock(out PacketBlock? block)
    {
        if (_cursorBlock is not null)
            throw new InvalidOperationException("NextBlock was called while the packet read calls are part way through a block; read that block to its end with the packet calls first, or use one style per source.");
        return ReadBlock(null, out block);
    }

    /// <summary>Reads one block, on <paramref name="spare"/> when given (a lease object the caller alone holds, which it must not use again unless it comes back).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CaptureStatus ReadBlock(PacketBlock? spare, out PacketBlock? block)
    {
        if (IsDisposed) ThrowDisposed();
        CaptureStatus status = ReadBlockCore(spare, out block);
        if (status == CaptureStatus.Packet) CountRead(block!);
        return status;
    }

    /// <summary>Adds a block to the meter's counters: a count per block, a header walk for the bytes only while a listener wants them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountRead(PacketBlock block)
    {
        Volatile.Write(ref _packetsRead, _packetsRead + block.RawPacketCount);
        if (CaptureMeter.CountBytes) Volatile.Write(ref _bytesRead, _bytesRead + block.SumCapturedBytes());
    }

    /// <summary>Starts reporting this source through the meter; each concrete source calls it last in its constructor, once it can answer <see cref="Name"/>.</summary>
    private protected void ReportMetrics() => MetricsId = CaptureMeter.Register(this);

    /// <summary>The source's number in the meter's <see cref="CaptureMetrics.SourceIdTag"/>, 0 when not reported.</summary>
    internal long MetricsId { get; private set; }

    /// <summary>Packets in the blocks read so far.</summary>
    internal long PacketsRead => Volatile.Read(ref _packetsRead);

    /// <summary>Captured bytes in the blocks read while <see cref="CaptureMetrics.Bytes"/> was enabled.</summary>
    internal long BytesRead => Volatile.Read(ref _bytesRead);

    /// <summary>The meter's <see cref="CaptureMetrics.SourceKindTag"/>.</summary>
    internal virtual string SourceKind => "other";

    /// <summary>True for kernel sources, whose kernel and interface counters mean something.</summary>
    internal virtual bool IsLive => false;

    /// <summary>Blocks leased to consumers now, or -1 when the source does not track it.</summary>
    internal virtual int OutstandingLeases => -1;

    /// <summary>How many blocks the source can have leased at once (ring blocks, batch buffers, a file's pool), or -1 when unbounded or unknown.</summary>
    internal virtual int BlockCapacity => -1;

    /// <summary>True for a ring, whose blocks are filled strictly in order (one held block stops it); false for a pool, whose free blocks serve in any order.</summary>
    internal virtual bool ReusesBlocksInOrder => false;


    /// <summary>
    /// Reads the next packet as a zero-copy view, valid until the next read call on this source.
    /// The block behind it is returned to the kernel on the read after its last packet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CaptureStatus NextPacketRef(out PacketRef packet)
    {
        while (true)
        {
            PacketBlock? block = _cursorBlock;
            // Scoped: each packet read ends the previous one's validity (it was "valid until the next read call").
            if (block is not null && !IsDisposed && block.TryReadNextScoped(ref _cursorGeneration, ref _cursorPosition, ref _cursorIndex, out packet))
                return CaptureStatus.Packet;
            CaptureStatus status = NextCursorBlock();
            if (status != CaptureStatus.Packet)
            {
                packet = default;
                return status;
            }
        }
    }

    /// <summary>Gives back the block the packet calls walked (it is exhausted) and starts the walk of the next one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CaptureStatus NextCursorBlock()
    {
        // Claimed atomically (once per block): readers on two threads at once misuse the source, but must still never
        // both dispose, or both re-arm, one lease object, which would end the other's lease.
        PacketBlock? done = Interlocked.Exchange(ref _cursorBlock, null);
        if (done is not null)
        {
            done.Dispose();
            _spareCursor = done;
        }
        PacketBlock? spare = Interlocked.Exchange(ref _spareCursor, null); // a read that throws leaves it out: it is re-armed at most once
        CaptureStatus status = ReadBlock(spare, out PacketBlock? block);
        if (!ReferenceEquals(block, spare)) _spareCursor = spare;
        if (status != CaptureStatus.Packet) return status;
        _cursorGeneration = block!.CurrentGeneration;
        _cursorPosition = 0;
        _cursorIndex = 0;
        _cursorBlock = block;
        return CaptureStatus.Packet;
    }

    /// <summary>
    /// Reads the next packet and passes it, in place, to <paramref name="callback"/> (slimcap's <c>NextPacketFn</c>).
    /// If the callback throws, the exception propagates and the block holding the packet is given back at once (its
    /// later packets are skipped): a caller that stops reading leaves no lease behind.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CaptureStatus NextPacket(PacketCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        while (true)
        {
            PacketBlock? block = _cursorBlock;
            if (block is not null && !IsDisposed)
            {
                try
                {
                    if (block.TryReadVisiblePayload(_cursorGeneration, ref _cursorPosition, ref _cursorIndex,
                            out ReadOnlySpan<byte> data, out long total, out PacketType type, out int ipLayerOffset))
                    {
                        callback(data, total, type, ipLayerOffset);
                        return CaptureStatus.Packet;
                    }
                }
                catch (Exception e)
                {
                    OnCursorFault(e);
                    throw;
                }
            }
            CaptureStatus status = NextCursorBlock();
            if (status != CaptureStatus.Packet) return status;
        }
    }

    /// <summary>As <see cref="NextPacket(PacketCallback)"/>, passing <paramref name="state"/> so the callback needs no closure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CaptureStatus NextPacket<TState>(TState state, PacketCallback<TState> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        while (true)
        {
            PacketBlock? block = _cursorBlock;
            if (block is not null && !IsDisposed)
            {
                try
                {
                    if (block.TryReadVisiblePayload(_cursorGeneration, ref _cursorPosition, ref _cursorIndex,
                            out ReadOnlySpan<byte> data, out long total, out PacketType type, out int ipLayerOffset))
                    {
                        callback(state, data, total, type, ipLayerOffset);
                        return CaptureStatus.Packet;
                    }
                }
                catch (Exception e)
                {
                    OnCursorFault(e);
                    throw;
                }
            }
            CaptureStatus status = NextCursorBlock();
            if (status != CaptureStatus.Packet) return status;
        }
    }

    /// <summary>
    /// Reads the next packet into a new pooled copy that the caller owns and disposes (slimcap's
    /// <c>NextPacket(nil)</c>). Allocates; prefer the buffer or zero-copy calls in hot loops.
    /// </summary>
    public CaptureStatus NextPacket(out DetachedPacket? packet)
    {
        CaptureStatus status = NextPacketRef(out PacketRef p);
        packet = status == CaptureStatus.Packet ? p.Detach() : null;
        return status;
    }

    /// <summary>
    /// Reads the next packet's bytes (from the link-layer header) into <paramref name="destination"/>,
    /// which is reused across calls: nothing is allocated. Copies at most <paramref name="destination"/>'s
    /// length; <paramref name="bytesWritten"/> says how many. <paramref name="packet"/> carries the metadata;
    /// its <see cref="PacketRef.Data"/> is valid only until the next read.
    /// </summary>
    public CaptureStatus NextPayload(Span<byte> destination, out int bytesWritten, out PacketRef packet)
    {
        CaptureStatus status = NextPacketRef(out packet);
        bytesWritten = status == CaptureStatus.Packet ? CopyTo(packet, packet.Data, destination) : 0;
        return status;
    }

    /// <summary>As <see cref="NextPayload"/>, copying only the IP layer (nothing when its offset is unknown).</summary>
    public CaptureStatus NextIPPacket(Span<byte> destination, out int bytesWritten, out PacketRef packet)
    {
        CaptureStatus status = NextPacketRef(out packet);
        bytesWritten = status == CaptureStatus.Packet ? CopyTo(packet, packet.IpLayer, destination) : 0;
        return status;
    }

    /// <summary>Reads the next packet as a span into the source's memory, valid until the next read call.</summary>
    public CaptureStatus NextPayloadZeroCopy(out ReadOnlySpan<byte> payload, out PacketRef packet)
    {
        CaptureStatus status = NextPacketRef(out packet);
        payload = status == CaptureStatus.Packet ? packet.Data : default;
        return status;
    }

    /// <summary>As <see cref="NextPayloadZeroCopy"/>, from the IP header on.</summary>
    public CaptureStatus NextIPPacketZeroCopy(out ReadOnlySpan<byte> ipLayer, out PacketRef packet)
    {
        CaptureStatus status = NextPacketRef(out packet);
        ipLayer = status == CaptureStatus.Packet ? packet.IpLayer : default;
        return status;
    }

    /// <summary>
    /// Wakes a reader blocked in a read call, which then returns <see cref="CaptureStatus.Unblocked"/>
    /// and may read again. Wakes coalesce: several before the reader gets to them count as one.
    /// </summary>
    public abstract void Unblock();

    /// <summary>
    /// Stops the source: a blocked reader returns <see cref="CaptureStatus.Stopped"/>, later reads throw
    /// <see cref="ObjectDisposedException"/>. Idempotent and safe from any thread.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        CaptureMeter.Unregister(this);
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// True when the source has nothing more to give any reader (a file read to its end): a new stream over it is
    /// refused with a clear error instead of ending at once with nothing.
    /// </summary>
    private protected virtual bool HasEnded => false;

    /// <summary>The error a stream gets when it starts on a source that <see cref="HasEnded"/>.</summary>
    internal InvalidOperationException? EndedError() => HasEnded
        ? new InvalidOperationException($"The capture source '{Name}' was already read to its end by an earlier stream or read; " +
            "a file is read once: open it again to read it again.")
        : null;

    /// <summary>Releases what the source holds. Called once.</summary>
    protected virtual void Dispose(bool disposing) { }

    /// <summary>
    /// Closes a source that a stream opened itself and read to its natural end (a file's last record): what it handed
    /// out may still be queued downstream (<c>ObserveOn</c>, <c>Buffer</c>, the last sample), so a source whose leases
    /// need nothing of it once it is closed keeps them readable until they are disposed (or collected). Sources whose
    /// leases live in kernel memory end them, as <see cref="Dispose()"/> does.
    /// </summary>
    internal virtual void CloseAtEnd() => Dispose();

    /// <summary>
    /// Reads one block, blocking as needed. Implementations return Stopped once stopped or ended. A storage leased
    /// here is leased on <paramref name="spare"/> when one is given and it can carry the lease (the storage decides:
    /// <see cref="PacketBlock.CanRearm"/>), else on a new lease object.
    /// </summary>
    private protected abstract CaptureStatus ReadBlockCore(PacketBlock? spare, out PacketBlock? block);

    /// <summary>
    /// Gives back the block the packet calls were walking: the source closed, or a callback threw (the caller may
    /// never read again, so its block must not stay leased; the next read starts with the next block).
    /// </summary>
    private void ReleaseCursor()
    {
        PacketBlock? cursor = Interlocked.Exchange(ref _cursorBlock, null);
        if (cursor is null) return;
        cursor.Dispose();
        _spareCursor = cursor;
    }

    /// <summary>
    /// What a packet call does when its read or its callback threw: a read cut short because the source was closed on
    /// another thread says so (rather than that a packet went stale); anything else gives the cursor's block back at
    /// once (the caller may never read again) and goes on as thrown.
    /// </summary>
    [DoesNotReturn, StackTraceHidden]
    private void OnCursorFault(Exception e)
    {
        if (e is ObjectDisposedException && IsDisposed) ThrowDisposed();
        ReleaseCursor();
        ExceptionDispatchInfo.Throw(e);
    }

    /// <summary>Gives back the block the packet calls were walking, then throws: the source is closed.</summary>
    [DoesNotReturn]
    private void ThrowDisposed()
    {
        ReleaseCursor();
        throw new ObjectDisposedException(GetType().Name, $"The capture source '{Name}' was closed.");
    }

    /// <summary>Copies <paramref name="source"/> (bytes of <paramref name="packet"/>) out; throws if the lease ended before the copy was complete.</summary>
    private static int CopyTo(in PacketRef packet, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int n = Math.Min(source.Length, destination.Length);
        source[..n].CopyTo(destination);
        packet.ThrowIfStaleAfterCopy();
        return n;
    }
}
