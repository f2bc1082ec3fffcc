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
    private readonly int _length;

    private DetachedPacket(byte[] buffer, int length, in PacketRef source)
    {
        _buffer = buffer;
        _length = length;
        TotalLength = source.TotalLength;
        Type = source.Type;
        IpLayerOffset = source.IpLayerOffset;
        TimestampNanoseconds = source.TimestampNanoseconds;
        HasVlan = source.HasVlan;
        VlanTci = source.VlanTci;
        VlanTpid = source.VlanTpid;
        LinkType = source.LinkType;
        InterfaceIndex = source.InterfaceIndex;
    }

    internal static DetachedPacket Create(in PacketRef source)
    {
        ReadOnlySpan<byte> data = source.Data;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        try
        {
            source.ThrowIfStaleAfterCopy();
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new DetachedPacket(buffer, data.Length, source);
    }

    /// <summary>The captured bytes.</summary>
    public Memory<byte> Memory => new(_buffer ?? throw new ObjectDisposedException(nameof(DetachedPacket)), 0, _length);

    /// <summary>The captured bytes, read-only.</summary>
    public ReadOnlySpan<byte> Data => Memory.Span;

    /// <summary>Number of captured bytes.</summary>
    public int CapturedLength => _length;

    /// <summary>The packet's length on the wire.</summary>
    public long TotalLength { get; }

    /// <summary>Who the packet was addressed to.</summary>
    public PacketType Type { get; }

    /// <summary>Offset of the IP header, or -1 when unknown.</summary>
    public int IpLayerOffset { get; }

    /// <summary>Timestamp in nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds { get; }

    /// <summary>The timestamp as a <see cref="DateTimeOffset"/> (UTC, 100 ns resolution).</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampNanoseconds / 100);

    /// <summary>True when a VLAN tag was stripped from the frame.</summary>
    public bool HasVlan { get; }

    /// <summary>The stripped VLAN TCI, or 0.</summary>
    public ushort VlanTci { get; }

    /// <summary>The stripped tag's TPID, or 0.</summary>
    public ushort VlanTpid { get; }

    /// <summary>The link-layer type of the data.</summary>
    public LinkType LinkType { get; }

    /// <summary>The interface the packet was seen on.</summary>
    public int InterfaceIndex { get; }

    /// <summary>Returns the buffer to the pool. Idempotent.</summary>
    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
