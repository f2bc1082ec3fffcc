using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Leased blocks made in memory, as a live source would hand them out.</summary>
internal static class TestBlocks
{
    /// <summary>One packet per entry, in one leased block of its own pool.</summary>
    public static PacketBlock Create(params (byte[] Data, long Ns, PacketType Type, LinkType LinkType, int Interface, ushort VlanTci, bool HasVlan)[] packets)
    {
        var pool = new SocketBatchPool(1, 64 * 1024);
        SocketBatch block = pool.TryRent()!;
        foreach (var p in packets)
        {
            Assert.True(block.TryAppend(p.Data, p.Data.Length + 10, p.Ns, p.Type, LinkTypeInfo.IpLayerOffset(p.LinkType), p.LinkType, p.Interface,
                vlanTci: p.VlanTci, hasVlan: p.HasVlan));
        }
        return block.Publish(1)!;
    }

    public static PacketBlock Simple(int count, long firstNs = 1_000_000_000, LinkType linkType = LinkType.Ethernet) =>
        Create(Enumerable.Range(0, count).Select(i => (Frame(60 + i), firstNs + i, PacketType.Host, linkType, 0, (ushort)0, false)).ToArray());

    public static byte[] Frame(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
}
