namespace SlimCap.Reactive.Packets;

/// <summary>
/// A packet copied out of its block into plain values: safe to keep, put in a list, group, sort, or show in a
/// notebook or LINQPad's <c>Dump()</c> long after the block went back to the kernel or its pool (a <see cref="PacketRef"/>
/// shown that late would only say it is disposed). Made by <see cref="PacketRef.Snapshot"/> or the <c>Snapshots()</c>
/// operators; each snapshot allocates (it owns a copy of the bytes), so keep it out of the per-packet hot path.
/// </summary>
/// <param name="Timestamp">The packet's timestamp (UTC, 100 ns resolution).</param>
/// <param name="TimestampNanoseconds">The same, in nanoseconds since the Unix epoch.</param>
/// <param name="Type">Who the packet was addressed to.</param>
/// <param name="LinkType">The link-layer type of <paramref name="Data"/>.</param>
/// <param name="InterfaceIndex">The kernel ifindex (live), or the interface number in a pcapng section (files).</param>
/// <param name="CapturedLength">Bytes captured (the length of <paramref name="Data"/>).</param>
/// <param name="TotalLength">The packet's length on the wire.</param>
/// <param name="IpLayerOffset">Offset of the IP header in <paramref name="Data"/>, or -1 when unknown.</param>
/// <param name="VlanId">The VLAN id of a tag the kernel stripped, or null.</param>
/// <param name="Data">A copy of the captured bytes, from the link-layer header on.</param>
/// <remarks>Thread safety: immutable once made (do not write into <paramref name="Data"/>); safe to share.</remarks>
public sealed record PacketSnapshot(
    DateTimeOffset Timestamp,
    long TimestampNanoseconds,
    PacketType Type,
    LinkType LinkType,
    int InterfaceIndex,
    int CapturedLength,
    long TotalLength,
    int IpLayerOffset,
    int? VlanId,
    byte[] Data)
{
    /// <summary>The captured bytes from the IP header on; empty when the offset is unknown or beyond the captured bytes.</summary>
    public ReadOnlyMemory<byte> IpLayer => (uint)IpLayerOffset < (uint)Data.Length ? Data.AsMemory(IpLayerOffset) : ReadOnlyMemory<byte>.Empty;

    /// <summary>Copies <paramref name="packet"/>; throws <see cref="ObjectDisposedException"/> when its block is released.</summary>
    internal static PacketSnapshot Of(in PacketRef packet) => new(
        packet.Timestamp, packet.TimestampNanoseconds, packet.Type, packet.LinkType, packet.InterfaceIndex, packet.CapturedLength,
        packet.TotalLength, packet.IpLayerOffset, packet.HasVlan ? packet.VlanId : null, packet.Data.ToArray());
}
