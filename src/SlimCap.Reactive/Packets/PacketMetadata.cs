using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// What every source records about one packet, apart from its bytes: the one shape that each storage's walk
/// (<see cref="BlockStorage.ReadNext"/>) fills and <see cref="PacketRef"/> carries, so a new field is one change here.
/// Unmanaged on purpose: a walk writes it without a GC write barrier, wherever its caller keeps it.
/// </summary>
internal readonly struct PacketMetadata
{
    /// <summary>Where the packet's bytes start in its storage (a file batch's record index).</summary>
    public readonly int DataOffset;

    /// <summary>Number of captured bytes.</summary>
    public readonly int CapturedLength;

    /// <summary>Length on the wire.</summary>
    public readonly long TotalLength;

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public readonly long TimestampNanoseconds;

    /// <summary>Kernel ifindex, or the pcapng interface number.</summary>
    public readonly int InterfaceIndex;

    /// <summary>The stripped VLAN tag's TCI, or 0.</summary>
    public readonly ushort VlanTci;

    /// <summary>The stripped VLAN tag's TPID, or 0.</summary>
    public readonly ushort VlanTpid;

    /// <summary>Offset of the IP header in the packet's bytes, or -1.</summary>
    public readonly short IpLayerOffset;

    /// <summary>The link-layer type of the bytes.</summary>
    public readonly LinkType LinkType;

    /// <summary>Who the packet was addressed to.</summary>
    public readonly PacketType Type;

    /// <summary>True when the kernel reported a stripped VLAN tag.</summary>
    public readonly bool HasVlan;

    /// <summary>Whole seconds a pcap record stored in its fraction field (see <see cref="PacketRef"/>).</summary>
    public readonly ushort TimestampCarrySeconds;

    /// <summary>The timestamp as a <see cref="DateTimeOffset"/> (UTC, 100 ns resolution).</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampNanoseconds / 100);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PacketMetadata(int dataOffset, int capturedLength, long totalLength, long timestampNanoseconds, PacketType type,
        int ipLayerOffset, LinkType linkType, int interfaceIndex, ushort vlanTci = 0, ushort vlanTpid = 0, bool hasVlan = false,
        ushort timestampCarrySeconds = 0)
    {
        DataOffset = dataOffset;
        CapturedLength = capturedLength;
        TotalLength = totalLength;
        TimestampNanoseconds = timestampNanoseconds;
        Type = type;
        IpLayerOffset = (short)ipLayerOffset;
        LinkType = linkType;
        InterfaceIndex = interfaceIndex;
        VlanTci = vlanTci;
        VlanTpid = vlanTpid;
        HasVlan = hasVlan;
        TimestampCarrySeconds = timestampCarrySeconds;
    }
}
