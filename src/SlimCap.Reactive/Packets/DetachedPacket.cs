using System.Buffers;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// A packet copied out of its block into a buffer rented from <see cref="ArrayPool{T}.Shared"/>.
/// It owns the buffer: dispose it exactly once when done (the <see cref="IMemoryOwner{T}"/>
/// convention). Disposing twice is a no-op; reading after dispose throws <see cref="ObjectDisposedException"/>.
/// </summary>
/// <remarks>Thread safety: reading is safe from any thread while not disposed; Dispose is idempotent and thread-safe.</remarks>
public sealed class DetachedPacket : IMemoryOwner<byte>
{
    private byte[]? _buffer;
    private readonly PacketMetadata _meta; // the source's record of the packet, kept whole (its data offset is unused here)

    private DetachedPacket(byte[] buffer, in PacketRef source)
    {
        _buffer = buffer;
        _meta = source.Metadata;
    }

    internal static DetachedPacket Create(in PacketRef source)
    {
        ReadOnlySpan<byte> data = source.Data;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        try
        {
            source.ThrowIfStaleAfterCopy();
            // A current lease always gives the recorded length; anything else would make Memory reach past the copy.
            if (data.Length != source.CapturedLength)
                throw new InvalidOperationException($"The packet's bytes ({data.Length}) do not match its captured length ({source.CapturedLength}).");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new DetachedPacket(buffer, source);
    }

    /// <summary>The captured bytes.</summary>
    public Memory<byte> Memory => new(_buffer ?? throw new ObjectDisposedException(nameof(DetachedPacket)), 0, _meta.CapturedLength);

    /// <summary>The captured bytes, read-only.</summary>
    public ReadOnlySpan<byte> Data => Memory.Span;

    /// <summary>Number of captured bytes.</summary>
    public int CapturedLength => _meta.CapturedLength;

    /// <summary>The packet's length on the wire.</summary>
    public long TotalLength => _meta.TotalLength;

    /// <summary>Who the packet was addressed to.</summary>
    public PacketType Type => _meta.Type;

    /// <summary>Offset of the IP header, or -1 when unknown.</summary>
    public int IpLayerOffset => _meta.IpLayerOffset;

    /// <summary>Timestamp in nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds => _meta.TimestampNanoseconds;

    /// <summary>The timestamp as a <see cref="DateTimeOffset"/> (UTC, 100 ns resolution).</summary>
    public DateTimeOffset Timestamp => _meta.Timestamp;

    /// <summary>True when a VLAN tag was stripped from the frame.</summary>
    public bool HasVlan => _meta.HasVlan;

    /// <summary>The stripped VLAN TCI, or 0.</summary>
    public ushort VlanTci => _meta.VlanTci;

    /// <summary>The stripped tag's TPID, or 0.</summary>
    public ushort VlanTpid => _meta.VlanTpid;

    /// <summary>The link-layer type of the data.</summary>
    public LinkType LinkType => _meta.LinkType;

    /// <summary>The interface the packet was seen on.</summary>
    public int InterfaceIndex => _meta.InterfaceIndex;

    /// <summary>Returns the buffer to the pool. Idempotent.</summary>
    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
