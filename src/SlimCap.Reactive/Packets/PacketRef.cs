using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// A view of one captured packet inside a <see cref="PacketBlock"/>. It copies nothing: its
/// bytes are the block's. It is valid while the block's lease lives; once the block is disposed
/// (returned to the kernel or its pool), every member that reads packet data throws
/// <see cref="ObjectDisposedException"/> instead of returning bytes of a recycled block.
/// Call <see cref="Detach"/> to keep a packet past its block.
/// </summary>
/// <remarks>
/// The metadata (lengths, type, timestamp, VLAN) is held in the struct itself and stays readable
/// after release; only <see cref="Data"/>, <see cref="IpLayer"/> and <see cref="Detach"/> need the block.
/// A span obtained from <see cref="Data"/> must not be used after the block is disposed: the library
/// cannot check a span, so such a read sees whatever the block's memory holds by then (never unmapped
/// memory). Copies (<see cref="Detach"/>, the buffer read calls, the writers) are checked after copying and
/// throw instead of returning bytes that changed under them.
/// <para>A packet handed out by a stream one at a time (<see cref="CaptureSource.NextPacketRef"/> and the read
/// calls built on it, <c>ReadAllAsync</c>, <c>Packets()</c>) is valid only until the stream's next packet; a packet
/// from enumerating a block you hold stays valid while you hold the block.</para>
/// <para>Thread safety: an immutable view; it may be read on any thread while its block is leased.</para>
/// </remarks>
public readonly struct PacketRef
{
    private readonly PacketBlock? _block;
    private readonly int _generation;
    private readonly PacketMetadata _meta;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal PacketRef(PacketBlock block, int generation, in PacketMetadata meta)
    {
        _block = block;
        _generation = generation;
        _meta = meta;
    }

    /// <summary>The captured bytes, starting at the link-layer header. Throws <see cref="ObjectDisposedException"/> once the block is released.</summary>
    public ReadOnlySpan<byte> Data
    {
        // Optimized at once as well as inlined, as the enumerators' MoveNext: a consumer's own loop runs as tier-0 code
        // for the first iterations of every call until the runtime promotes it, at least a second in a process
        // pinned to one CPU (the runtime multiplies its tier-up delay by 10 there), and tier-0 code calls this getter
        // rather than inlining it; compiled at tier 0 too, the getter and the four calls under it cost more than the
        // walk (matrix s10-ao: blocks 45.5 -> 36.7 ns/packet, await foreach 76.5 -> 63.6 at full rate, level at
        // 500k pps). The price: an inlined copy carries no class profile, so GetSpan stays a virtual call once the
        // caller is optimized (RingImageBenchmarks.NextBlockForeach in a long steady run: 16 ns/packet, 9-10 with
        // inlining only).
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        get
        {
            PacketBlock? block = _block;
            if (block is null) return default;
            block.ThrowIfStale(_generation);
            return block.GetSpan(_meta.DataOffset, _meta.CapturedLength);
        }
    }

    /// <summary>
    /// After a copy of <see cref="Data"/>: throws <see cref="ObjectDisposedException"/> when the lease ended before the
    /// copy was complete (its bytes may then be another packet's), so a copy API never hands out foreign bytes.
    /// </summary>
    internal void ThrowIfStaleAfterCopy() => _block?.ThrowIfStaleAfterCopy(_generation);

    /// <summary>What the source recorded about the packet (readable after release, as every metadata member).</summary>
    internal PacketMetadata Metadata => _meta;

    /// <summary>Where the packet's bytes start in its block's storage.</summary>
    internal int DataOffset => _meta.DataOffset;

    /// <summary>
    /// The fan-out group member that captured the packet (<see cref="PacketBlock.FanoutMember"/> of its block), or -1
    /// when its source is not a group member or the value views no packet.
    /// </summary>
    public int FanoutMember => _block?.FanoutMember ?? -1;

    /// <summary>True for a default-constructed value that views no packet.</summary>
    public bool IsEmpty => _block is null;

    /// <summary>True while the block this packet lives in is still leased, so <see cref="Data"/> is readable.</summary>
    public bool IsValid => _block is not null && _block.IsCurrent(_generation);

    /// <summary>Number of captured bytes (at most the capture length).</summary>
    public int CapturedLength => _meta.CapturedLength;

    /// <summary>The packet's length on the wire, which may exceed <see cref="CapturedLength"/>.</summary>
    public long TotalLength => _meta.TotalLength;

    /// <summary>Who the packet was addressed to.</summary>
    public PacketType Type => _meta.Type;

    /// <summary>slimcap's notion of inbound: every type but <see cref="PacketType.Outgoing"/>.</summary>
    public bool IsInbound => _meta.Type != PacketType.Outgoing;

    /// <summary>Offset of the IP header in <see cref="Data"/>, or <see cref="LinkTypeInfo.UnknownOffset"/> (-1).</summary>
    public int IpLayerOffset => _meta.IpLayerOffset;

    /// <summary>The captured bytes from the IP header on; empty when the offset is unknown or beyond the captured bytes.</summary>
    public ReadOnlySpan<byte> IpLayer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        get
        {
            ReadOnlySpan<byte> data = Data;
            int offset = _meta.IpLayerOffset;
            return (uint)offset < (uint)data.Length ? data.Slice(offset) : default;
        }
    }

    /// <summary>Kernel (or file) timestamp, in nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds => _meta.TimestampNanoseconds;

    /// <summary>
    /// Whole seconds that a capture file stored in the fraction field rather than the seconds field
    /// (pcap records whose microsecond or nanosecond field is one second or more; 0 otherwise).
    /// <see cref="TimestampNanoseconds"/> already includes them; writers and libpcap-exact checks use
    /// this to present the record as stored: seconds = ns / 10^9 - carry, fraction = ns % 10^9 + carry * 10^9.
    /// </summary>
    internal ushort TimestampCarrySeconds => _meta.TimestampCarrySeconds;

    /// <summary>The timestamp as a <see cref="DateTimeOffset"/> (UTC, 100 ns resolution).</summary>
    public DateTimeOffset Timestamp => _meta.Timestamp;

    /// <summary>True when the kernel stripped a VLAN tag from this frame (TPACKET_V3 does) and reported it.</summary>
    public bool HasVlan => _meta.HasVlan;

    /// <summary>The stripped VLAN tag control information (priority, DEI, VLAN id), or 0.</summary>
    public ushort VlanTci => _meta.VlanTci;

    /// <summary>The VLAN id: the low 12 bits of <see cref="VlanTci"/>.</summary>
    public int VlanId => _meta.VlanTci & 0x0FFF;

    /// <summary>The stripped tag's protocol identifier (0x8100 or 0x88a8), or 0 when the kernel did not report one.</summary>
    public ushort VlanTpid => _meta.VlanTpid;

    /// <summary>The link-layer type of <see cref="Data"/>.</summary>
    public LinkType LinkType => _meta.LinkType;

    /// <summary>The interface the packet was seen on: the kernel ifindex for live capture, the interface number in a pcapng section for files.</summary>
    public int InterfaceIndex => _meta.InterfaceIndex;

    /// <summary>
    /// Copies the packet into a pooled buffer that outlives the block. Dispose the result to
    /// return the buffer. Throws <see cref="ObjectDisposedException"/> if the block is already released.
    /// </summary>
    public DetachedPacket Detach() => DetachedPacket.Create(this);

    /// <summary>
    /// Copies the packet into a plain immutable <see cref="PacketSnapshot"/> (allocates) that outlives the block: for LINQ
    /// over packets, notebooks and LINQPad. Throws <see cref="ObjectDisposedException"/> if the block is already released.
    /// </summary>
    public PacketSnapshot Snapshot() => PacketSnapshot.Of(this);

    /// <summary>
    /// What LINQPad's <c>Dump()</c> (and tools with the same convention) shows: the <see cref="Snapshot"/>, taken when
    /// Dump is called, or a note that the block was already released, never a view of a recycled block.
    /// </summary>
    public object ToDump() => IsValid ? Snapshot() : $"PacketRef of a released block ({CapturedLength} of {TotalLength} bytes at {Timestamp:O}); call Snapshot() while it is valid";
}
